// Each department's roster of certified officers (执法检查人员名录库): one entry at a time and in
// bulk (bulk.ts). Their conflicts of interest (回避) are conflicts.ts.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq, inArray } from 'drizzle-orm';
import { inspectorByCertificate, inspectorById, listInspectors, saveInspector, type InspectorRow } from '../../../db/queries/inspections.js';
import { departmentByCode, divisionByCode } from '../../../db/queries/organization.js';
import { departments, divisions, supervisionItems } from '../../../db/schema/index.js';
import { changeActorOf, type Principal } from '../../auth.js';
import { inspectorSchema, type InspectorBody } from '../../inspection-schemas.js';
import { forbidden, unprocessable } from '../../errors.js';
import { code } from '../../schemas.js';
import type { RowProblem } from '../catalog/import-rows.js';
import { registerImport } from './bulk.js';
import { errors, firstProblem, readers, tags, writers } from './common.js';
import { inspectorView, mayWriteRoster, outsideRoster } from './scope.js';

const inspectorOut = z
  .object({ id: z.string(), departmentCode: z.string(), divisionCode: z.string().nullable(), name: z.string().describe('masked unless the caller is of the officer’s department'), certificateNo: z.string().describe('masked unless the caller is of the officer’s department'), certificateValidFrom: z.string(), certificateValidUntil: z.string(), items: z.array(z.string()), active: z.boolean() })
  .meta({ id: 'Inspector' });

const inspectorInput = (b: InspectorBody) => ({ ...b, divisionCode: b.divisionCode ?? null });

/** Rows' problems against the database and the caller's roster scope (inspectors). */
async function inspectorProblems(app: Parameters<FastifyPluginAsyncZod>[0], p: Principal, rows: Array<{ at: string; value: InspectorBody }>): Promise<RowProblem[]> {
  const depts = new Map((await app.db.select().from(departments).where(inArray(departments.code, [...new Set(rows.map((r) => r.value.departmentCode)), '']))).map((d) => [d.code, d]));
  const divs = new Map((await app.db.select().from(divisions).where(inArray(divisions.code, [...new Set(rows.flatMap((r) => (r.value.divisionCode ? [r.value.divisionCode] : []))), '']))).map((d) => [d.code, d]));
  const items = new Set((await app.db.select({ code: supervisionItems.code }).from(supervisionItems).where(inArray(supervisionItems.code, [...new Set(rows.flatMap((r) => r.value.items)), '']))).map((i) => i.code));
  const certificates = new Map<string, string>();
  const out: RowProblem[] = [];
  for (const { at, value: v } of rows) {
    const d = depts.get(v.departmentCode);
    if (!d) out.push({ field: `${at}.departmentCode`, message: `department ${v.departmentCode} does not exist` });
    else if (d.side !== 'supervision') out.push({ field: `${at}.departmentCode`, message: `department ${v.departmentCode} is on the ${d.side} side: inspectors belong to supervision departments` });
    if (v.divisionCode && divs.get(v.divisionCode)?.departmentCode !== v.departmentCode) out.push({ field: `${at}.divisionCode`, message: `division ${v.divisionCode} is not a division of ${v.departmentCode}` });
    for (const item of v.items) if (!items.has(item)) out.push({ field: `${at}.items`, message: `supervision item ${item} does not exist` });
    if (certificates.has(v.certificateNo)) out.push({ field: `${at}.certificateNo`, message: `certificate ${v.certificateNo} is already in ${certificates.get(v.certificateNo)}` });
    certificates.set(v.certificateNo, at);
    const holder = await inspectorByCertificate(app.db, v.certificateNo);
    if (holder && holder.id !== v.id) out.push({ field: `${at}.certificateNo`, message: `certificate ${v.certificateNo} is held by another officer (${holder.id})` });
    const scope = d ? await outsideRoster(app, p, v.departmentCode, v.divisionCode) : null;
    if (scope) out.push({ field: `${at}.departmentCode`, message: scope, forbidden: true });
    const before = await inspectorById(app.db, v.id);
    const moved = before && before.departmentCode !== v.departmentCode ? await outsideRoster(app, p, before.departmentCode, before.divisionCode) : null;
    if (moved) out.push({ field: `${at}.id`, message: `${v.id} is an officer of ${before!.departmentCode}: ${moved}`, forbidden: true });
  }
  return out;
}

const inspectorRoutes: FastifyPluginAsyncZod = async (app) => {
  const rosterQuery = z.object({ departmentCode: code.optional() }).strict();
  app.get('/v1/inspectors', { config: { roles: readers }, schema: { operationId: 'listInspectors', tags, summary: 'Certified officers (执法检查人员名录库): a department its own, a regional admin its region’s, masked', querystring: rosterQuery, response: { 200: z.object({ items: z.array(inspectorOut) }), ...errors } } }, async (req) => {
    const p = req.principal;
    let scope: string[] | null = null;
    if (p.role === 'supervision') scope = [p.department ?? ''];
    if (p.role === 'regional-admin') scope = await regionDepartments(p.region ?? '');
    if (req.query.departmentCode) {
      if (scope && !scope.includes(req.query.departmentCode)) throw forbidden(`the roster of ${req.query.departmentCode} is not yours`);
      scope = [req.query.departmentCode];
    }
    const rows: InspectorRow[] = await listInspectors(app.db, scope);
    return { items: rows.filter((i) => !p.division || p.role !== 'supervision' || !i.divisionCode || i.divisionCode === p.division).map((i) => inspectorView(i, p)) };
  });

  async function regionDepartments(region: string): Promise<string[]> {
    return (await app.db.select({ code: departments.code }).from(departments).where(eq(departments.regionCode, region))).map((d) => d.code);
  }

  app.post('/v1/inspectors', { config: { roles: writers }, schema: { operationId: 'saveInspector', tags, summary: 'Create or replace an officer of the roster (active: false takes them off the draws)', body: inspectorSchema, response: { 200: inspectorOut, 201: inspectorOut, ...errors } } }, async (req, reply) => {
    const d = await departmentByCode(app.db, req.body.departmentCode);
    if (!d) throw unprocessable(`department ${req.body.departmentCode} does not exist`);
    mayWriteRoster(await outsideRoster(app, req.principal, d.code, req.body.divisionCode));
    if (req.body.divisionCode && (await divisionByCode(app.db, req.body.divisionCode))?.departmentCode !== d.code) throw unprocessable(`division ${req.body.divisionCode} is not a division of ${d.code}`);
    firstProblem(await inspectorProblems(app, req.principal, [{ at: 'body', value: req.body }]));
    const r = await app.db.transaction((tx) => saveInspector(tx, inspectorInput(req.body), changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send(inspectorView((await inspectorById(app.db, req.body.id))!, req.principal));
  });

  registerImport(app, {
    url: '/v1/inspectors/import',
    operationId: 'importInspectors',
    noun: 'inspectors',
    tags,
    roles: writers,
    schema: inspectorSchema,
    key: (i) => i.id,
    check: (p, rows) => inspectorProblems(app, p, rows),
    write: (tx, i, p) => saveInspector(tx, inspectorInput(i), changeActorOf(p)),
  });
};

export default inspectorRoutes;
