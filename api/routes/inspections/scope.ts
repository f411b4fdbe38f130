// Who sees and writes what of 双随机: the directory of market entities is the region's (its
// regional admin and its supervision departments write it; they and operators read it); an
// inspector roster is its department's (a division writes its own officers); a plan is its
// departments' (the lead writes and commits it). Officers' names and certificate numbers are
// personal data: in clear to their own department only, masked to everyone else.
import type { FastifyInstance } from 'fastify';
import { departmentByCode } from '../../../db/queries/organization.js';
import type { InspectorRow, PlanRow } from '../../../db/queries/inspections.js';
import type { Principal } from '../../auth.js';
import { forbidden } from '../../errors.js';

/** The region the caller works in; undefined for an operator, who sees every region. */
export async function callerRegion(app: FastifyInstance, p: Principal): Promise<string | undefined> {
  if (p.role === 'operator') return undefined;
  if (p.role === 'regional-admin') return p.region ?? '(none)';
  const d = p.department ? await departmentByCode(app.db, p.department) : undefined;
  return d?.regionCode ?? '(none)';
}

/** Why the caller may not write the directory of `region`, or null when it may. */
export async function outsideRegion(app: FastifyInstance, p: Principal, region: string): Promise<string | null> {
  if (p.role !== 'regional-admin' && p.role !== 'supervision') return `role ${p.role} may not write the directory`;
  const own = await callerRegion(app, p);
  return own === region ? null : `the entity is in region ${region}; you may write the directory of your region ${own} only`;
}

/** Why the caller may not write an officer of `departmentCode` (and `divisionCode`), or null. */
export async function outsideRoster(app: FastifyInstance, p: Principal, departmentCode: string, divisionCode: string | null | undefined): Promise<string | null> {
  if (p.role === 'regional-admin') {
    const d = await departmentByCode(app.db, departmentCode);
    return d && d.regionCode === p.region ? null : `department ${departmentCode} is in region ${d?.regionCode ?? '(none)'}, not in your region ${p.region ?? '(none)'}`;
  }
  if (p.department !== departmentCode) return `the roster of ${departmentCode} belongs to that department; you may write your own department ${p.department ?? '(none)'} only`;
  if (p.division && p.division !== divisionCode) return `a division writes its own officers only (${p.division}), not ${divisionCode ?? 'the department’s'}`;
  return null;
}

export function mayWriteRoster(reason: string | null): void {
  if (reason) throw forbidden(reason);
}

/** An officer as a reader sees them: in clear to their own department, masked to others. */
export function inspectorView(i: InspectorRow, p: Principal) {
  const own = p.role === 'supervision' && p.department === i.departmentCode;
  return {
    id: i.id,
    departmentCode: i.departmentCode,
    divisionCode: i.divisionCode,
    name: own ? i.name : maskName(i.name),
    certificateNo: own ? i.certificateNo : maskCertificate(i.certificateNo),
    certificateValidFrom: i.certificateValidFrom,
    certificateValidUntil: i.certificateValidUntil,
    items: i.items,
    active: i.active,
  };
}

export const maskName = (name: string): string => (name.length <= 1 ? '*' : `${[...name][0]}${'*'.repeat(Math.max(1, [...name].length - 1))}`);
export const maskCertificate = (no: string): string => (no.length <= 6 ? '*'.repeat(no.length) : `${no.slice(0, 4)}${'*'.repeat(no.length - 6)}${no.slice(-2)}`);

/** Whether the caller reads this plan: its departments, the regional admin of its region, operators. */
export function readsPlan(p: Principal, plan: PlanRow): boolean {
  if (p.role === 'operator') return true;
  if (p.role === 'regional-admin') return p.region === plan.regionCode;
  return p.role === 'supervision' && !!p.department && plan.departments.includes(p.department);
}

export function planForReader(p: Principal, plan: PlanRow): PlanRow {
  if (readsPlan(p, plan)) return plan;
  throw forbidden(`plan ${plan.planId} belongs to ${plan.departments.join(', ')}`);
}

/** The lead department writes, commits and withdraws: a division or head of it. */
export function planForLead(p: Principal, plan: PlanRow): PlanRow {
  if (p.role === 'supervision' && p.department === plan.leadDepartmentCode) return plan;
  throw forbidden(`plan ${plan.planId} belongs to ${plan.leadDepartmentCode}: only its lead department may act on it`);
}
