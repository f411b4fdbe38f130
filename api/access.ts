// Read scope in one place (OWASP API1): who may SEE a case, a task or a document. A route checks
// it before anything else (404 for an object that does not exist, 403 for one that is not the
// caller's; a document not the caller's is 404 too);
// whether the caller may ACT on what it sees is the workflow's update validator's to decide.
import type { Db } from '../db/client.js';
import { caseByNo, type CaseRow } from '../db/queries/cases.js';
import { supervisorsOfCase, taskById, type TaskRow } from '../db/queries/tasks.js';
import { documentById, supervisesDocument, type DocumentMeta } from '../db/queries/documents.js';
import { complaintByNo, type ComplaintRow, type ComplaintScope } from '../db/queries/complaints.js';
import { REGISTRATION_PLATFORM, type Principal } from './auth.js';
import { forbidden, notFound } from './errors.js';

/** A case the caller may see: its approval department, an operator, or a supervising department of it. */
export async function caseForReader(db: Db, p: Principal, applicationNo: string): Promise<CaseRow> {
  const row = await caseByNo(db, applicationNo);
  if (!row) throw notFound(`application ${applicationNo}`);
  if (p.role === 'operator') return row;
  if (p.role === 'approval' && p.department === row.approvalDepartmentCode) return row;
  if (p.role === 'supervision' && p.department) {
    // A division reads the cases it supervises; a department head (no division) the department's.
    const linked = await supervisorsOfCase(db, applicationNo);
    if (linked.some((t) => t.department === p.department && (!p.division || t.division === p.division))) return row;
  }
  throw forbidden(`application ${applicationNo} is not a case of yours`);
}

/** A task the caller may see: its division, its department's head (no division claim), or an operator. */
export async function taskForReader(db: Db, p: Principal, taskId: string): Promise<TaskRow> {
  const row = await taskById(db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  if (p.role === 'operator') return row;
  if (p.role === 'supervision' && p.department === row.departmentCode && (!p.division || p.division === row.divisionCode)) return row;
  throw forbidden(`task ${taskId} belongs to division ${row.divisionCode} of ${row.departmentCode}`);
}

/**
 * A task another supervision platform may post a result for: one of the region its token serves
 * and, when the token names a department, of that department. The workflow's validator checks
 * the same before it acts (workflows/task/state.ts ownDivisionOrPlatform).
 */
export async function taskForPlatform(db: Db, p: Principal, taskId: string): Promise<TaskRow> {
  if (p.platform === REGISTRATION_PLATFORM) throw forbidden('the registration system posts registrations, not supervision results');
  const row = await taskById(db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  if (p.role === 'platform' && p.region === row.regionCode && (!p.department || p.department === row.departmentCode)) return row;
  if (p.region !== row.regionCode) throw forbidden(`task ${taskId} is in region ${row.regionCode ?? '(none)'}: platform ${p.platform ?? '(none)'} serves ${p.region ?? '(none)'}`);
  throw forbidden(`task ${taskId} belongs to ${row.departmentCode}: platform ${p.platform ?? '(none)'} carries only ${p.department}'s results`);
}

/**
 * A document the caller may read: its department (the approval department that uploaded it and
 * whose cases name it), a supervising department or division of a case whose dossier names it
 * (the case read scope above), or an operator. To anyone else it does not exist: 404, the same
 * answer as for an id that names nothing, so a file's existence is not revealed.
 */
export async function documentForReader(db: Db, p: Principal, id: string): Promise<DocumentMeta> {
  const doc = await documentById(db, id);
  const hidden = notFound(`document ${id}`);
  if (!doc) throw hidden;
  if (p.role === 'operator') return doc;
  if (p.role === 'approval' && p.department === doc.departmentCode) return doc;
  if (p.role === 'supervision' && p.department && (await supervisesDocument(db, id, p.department, p.division))) return doc;
  throw hidden;
}

/**
 * Which complaints a caller sees (docs/complaints.md): an operator all; a supervision division
 * those routed to it, its department's head the department's; a regional admin the region's; a
 * hotline the tickets it filed in its region. Null: none (a role with no part in complaints).
 */
export function complaintScope(p: Principal): ComplaintScope | null {
  if (p.role === 'operator') return {};
  if (p.role === 'supervision' && p.department) return { department: p.department, ...(p.division && { division: p.division }) };
  if (p.role === 'regional-admin' && p.region) return { region: p.region };
  if (p.role === 'hotline' && p.hotline && p.region) return { source: p.hotline, region: p.region };
  return null;
}

/** A complaint the caller may see (404 if none, 403 if not the caller's). */
export async function complaintForReader(db: Db, p: Principal, complaintNo: string): Promise<ComplaintRow> {
  const row = await complaintByNo(db, complaintNo);
  if (!row) throw notFound(`complaint ${complaintNo}`);
  const s = complaintScope(p);
  const sees = s !== null && (!s.department || s.department === row.departmentCode) && (!s.division || s.division === row.divisionCode) && (!s.region || s.region === row.regionCode) && (!s.source || s.source === row.source);
  if (!sees) throw forbidden(`complaint ${complaintNo} belongs to division ${row.divisionCode} of ${row.departmentCode} (region ${row.regionCode}, hotline ${row.source})`);
  return row;
}
