// The invariants after the storm, read from PostgreSQL (our records and the embedded
// providers' own tables) and from Temporal:
//
//   every case     stage 'closed', its task closed 'compliant', both workflows completed;
//   SMS            exactly one claim-notice notification per task (sent) and exactly one
//                  gateway message for it; no gateway message without a notification (sent
//                  but not recorded); no logical message twice on the gateway, even under two
//                  keys (grouped by task and message kind, and by phone and body); reminders
//                  and escalations (cases slowed down past the training windows) at most once;
//   credit         exactly one `<taskId>:credit:result` supervision-result record, accepted,
//                  on our side and on the platform's; no platform record without ours; one
//                  platform record per (applicant, kind);
//   audit trail    each step of the standard route exactly once, 'case-closed' among them.
//
// "Missing" is an expected effect that is absent; "duplicate" is one logical effect twice. The
// effects of the whole route are expected of closed cases; a case that did not close is
// reported as such, with a diagnosis (read model against the workflow's own state), and only
// the claim SMS of its task, if the task exists, is expected of it.
import postgres from 'postgres';
import { WorkflowClient } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import type { CaseRecord } from './driver.js';

/** Audit kinds every case of the standard route has exactly once. */
const ONCE_KINDS = ['submitted', 'credit-checked', 'routed', 'approved', 'pushed', 'task-pushed', 'task-claimed', 'inspection-finished', 'feedback', 'result-received', 'credit-record', 'case-closed'];

/**
 * `notClosed`: the cases not closed (stage, task status, workflow state, what the driver saw);
 * `orphans`: effects sent but not recorded on our side, or records no step of the route makes.
 */
export type CheckResult = Record<'cases' | 'closed' | 'duplicates' | 'missing' | 'orphans', number> & {
  notClosed: string[];
  details: string[];
  counts: Record<'notifications' | 'gatewayMessages' | 'creditRecords' | 'platformRecords' | 'auditEvents' | 'reminders' | 'escalations', number>;
  workflows: { completed: number; notCompleted: string[] };
};

/** `<key>:<ISO instant>` → `<key>`: reminders carry the deadline they are about. */
const logicalKey = (key: string): string => key.replace(/:\d{4}-\d{2}-\d{2}T[\d:.]+Z$/, '');

/** What the storm left: our records and the embedded providers' own tables. */
async function readRows(sql: postgres.Sql, nos: string[]) {
  return {
    caseRows: await sql<{ application_no: string; stage: string }[]>`select application_no, stage from cases where application_no = any(${nos})`,
    taskRows: await sql<{ task_id: string; application_no: string; status: string; result: string | null }[]>`select task_id, application_no, status, result from tasks where application_no = any(${nos})`,
    notes: await sql<{ business_key: string; application_no: string | null; task_id: string | null; template: string; status: string; recipient_phone: string }[]>`
      select business_key, application_no, task_id, template, status, recipient_phone from notifications`,
    gateway: await sql<{ out_id: string; phone: string; body: string }[]>`select out_id, phone, body from sms_gateway_messages`,
    credit: await sql<{ business_key: string; application_no: string; task_id: string | null; kind: string; status: string; credit_code: string }[]>`
      select business_key, application_no, task_id, kind, status, credit_code from credit_records`,
    platform: await sql<{ business_key: string; credit_code: string; kind: string }[]>`select business_key, credit_code, kind from credit_platform_records`,
    audit: await sql<{ event_key: string; application_no: string; kind: string }[]>`select event_key, application_no, kind from audit_events where application_no = any(${nos})`,
  };
}
type Rows = Awaited<ReturnType<typeof readRows>>;

/** Counts and describes what is missing, there twice, or there without a reason. */
class Tally {
  duplicates = 0;
  missing = 0;
  orphans = 0;
  readonly details: string[] = [];
  dup(s: string, n = 1): void {
    this.duplicates += n;
    this.details.push(`DUPLICATE ${s}`);
  }
  miss(s: string): void {
    this.missing++;
    this.details.push(`MISSING ${s}`);
  }
  orphan(s: string): void {
    this.orphans++;
    this.details.push(`ORPHAN ${s}`);
  }
}

const sentStatus = (s: string) => s === 'sent' || s === 'delivered';

/** SMS: our outbox against the gateway. Answers the reminders and escalations of our cases. */
function checkSms(t: Tally, r: Rows, cases: CaseRecord[]): { reminders: number; escalations: number } {
  const taskIds = new Set(r.taskRows.map((x) => x.task_id));
  const noteByKey = new Map(r.notes.map((n) => [n.business_key, n]));
  const gatewayKeys = new Set(r.gateway.map((g) => g.out_id));
  for (const c of cases.filter((x) => taskIds.has(x.taskId))) {
    const key = `${c.taskId}:claim-notice`;
    const n = noteByKey.get(key);
    if (!n) t.miss(`SMS ${key}: no notification`);
    else if (!sentStatus(n.status)) t.miss(`SMS ${key}: notification ${n.status}`);
    if (!gatewayKeys.has(key)) t.miss(`SMS ${key}: not on the gateway`);
  }
  const ours = new Set(cases.map((c) => c.taskId));
  const caseNos = new Set(cases.map((c) => c.applicationNo));
  let [reminders, escalations] = [0, 0];
  for (const n of r.notes.filter((x) => (x.task_id && ours.has(x.task_id)) || (x.application_no && caseNos.has(x.application_no)))) {
    if (n.template.includes('reminder')) reminders++;
    if (n.template.includes('escalation')) escalations++;
    if (n.business_key.endsWith(':claim-notice')) continue;
    // Reminders and escalations happen when chaos slows a case past the training windows:
    // optional, but once sent they must be on the gateway, and never pending at the end.
    if (!sentStatus(n.status)) t.miss(`SMS ${n.business_key}: notification ${n.status} at the end`);
    else if (!gatewayKeys.has(n.business_key)) t.miss(`SMS ${n.business_key}: recorded sent, not on the gateway`);
  }
  for (const g of r.gateway) if (!noteByKey.has(g.out_id)) t.orphan(`SMS ${g.out_id} on the gateway without a notification (sent, not recorded)`);
  for (const [k, n] of countBy(r.gateway, (g) => logicalKey(g.out_id))) if (n > 1) t.dup(`SMS ${k}: ${n} gateway messages`, n - 1);
  for (const [k, n] of countBy(r.gateway, (g) => `${g.phone}|${g.body}`)) if (n > 1) t.dup(`SMS to ${k.split('|')[0]}: the same text ${n} times (${k.split('|')[1]!.slice(0, 80)})`, n - 1);
  const byTemplate = countBy(r.notes.filter((n) => n.task_id && ours.has(n.task_id)), (n) => `${n.task_id}|${n.template}|${n.recipient_phone}`);
  for (const [k, n] of byTemplate) if (n > 1) t.dup(`SMS ${k}: ${n} notifications of one kind to one recipient`, n - 1);
  return { reminders, escalations };
}

/** Credit records: ours against the platform's; the audit trail: each step once. */
function checkCreditAndAudit(t: Tally, r: Rows, cases: CaseRecord[], closedCases: CaseRecord[]): void {
  const creditByKey = new Map(r.credit.map((x) => [x.business_key, x]));
  const platformKeys = new Set(r.platform.map((x) => x.business_key));
  for (const c of closedCases) {
    const key = `${c.taskId}:credit:result`;
    const x = creditByKey.get(key);
    if (!x) t.miss(`credit ${key}: no credit record`);
    else if (x.status !== 'accepted' || x.kind !== 'supervision-result') t.miss(`credit ${key}: ${x.kind} ${x.status}`);
    if (!platformKeys.has(key)) t.miss(`credit ${key}: not on the credit platform`);
  }
  const caseNos = new Set(cases.map((c) => c.applicationNo));
  for (const x of r.platform) if (!creditByKey.has(x.business_key)) t.orphan(`credit ${x.business_key} on the platform without our record`);
  for (const x of r.credit) if (caseNos.has(x.application_no) && x.kind !== 'supervision-result') t.orphan(`credit ${x.business_key}: a ${x.kind} record the standard route never files`);
  for (const [k, n] of countBy(r.platform, (x) => `${x.credit_code}|${x.kind}`)) if (n > 1) t.dup(`credit platform: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);
  for (const [k, n] of countBy(r.credit, (x) => `${x.application_no}|${x.kind}`)) if (n > 1) t.dup(`credit records: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);

  const kinds = countBy(r.audit, (e) => `${e.application_no}|${e.kind}`);
  const closedNos = new Set(closedCases.map((c) => c.applicationNo));
  const taskIds = new Set(r.taskRows.map((x) => x.task_id));
  for (const c of cases) {
    for (const kind of ONCE_KINDS) {
      const n = kinds.get(`${c.applicationNo}|${kind}`) ?? 0;
      if (n === 0 && closedNos.has(c.applicationNo)) t.miss(`audit ${c.applicationNo}: no '${kind}' event`);
      else if (n > 1) t.dup(`audit ${c.applicationNo}: '${kind}' ${n} times`, n - 1);
    }
    if (taskIds.has(c.taskId) && !r.audit.some((e) => e.event_key === `${c.taskId}:claim-notice:sent`)) t.miss(`audit ${c.applicationNo}: the claim notice is not on the trail`);
  }
}

/** The cases that closed, and a diagnosis of each one that did not (read model against the workflow's own state). */
async function closedOrNot(r: Rows, cases: CaseRecord[], client?: WorkflowClient): Promise<{ closedCases: CaseRecord[]; notClosed: string[] }> {
  const stageOf = new Map(r.caseRows.map((x) => [x.application_no, x.stage]));
  const taskOf = new Map(r.taskRows.map((x) => [x.task_id, x]));
  const [closedCases, notClosed]: [CaseRecord[], string[]] = [[], []];
  for (const c of cases) {
    const [stage, t] = [stageOf.get(c.applicationNo), taskOf.get(c.taskId)];
    if (stage === 'closed' && t?.status === 'closed' && t.result === 'compliant') {
      closedCases.push(c);
      continue;
    }
    let workflowSide = '';
    if (client && t) {
      try {
        const state = await client.getHandle(c.taskId).query<{ status: string; claimedAt?: string; claimOverdue: boolean }>('taskState');
        workflowSide = `; the task workflow says ${state.status}${state.claimedAt ? `, claimed at ${state.claimedAt}` : ', not claimed'}${state.claimOverdue ? ', claim overdue' : ''}`;
      } catch (e) {
        workflowSide = `; task workflow not queryable: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    notClosed.push(`${c.applicationNo}: case ${stage ?? 'absent'}, task ${t ? `${t.status}/${t.result ?? '-'}` : 'absent'} in the read model${workflowSide}${c.error ? `; driver: ${c.error}` : ''}`);
  }
  return { closedCases, notClosed };
}

/** Both workflows of every case completed (a running one gets 30 s). */
async function checkWorkflows(client: WorkflowClient, cases: CaseRecord[]): Promise<{ completed: number; notCompleted: string[] }> {
  const notCompleted: string[] = [];
  let completed = 0;
  const ids = cases.flatMap((c) => [`case-${c.applicationNo}`, c.taskId]);
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        try {
          // The read model says "closed" one workflow task before the workflow completes; when
          // the last kill took the worker holding that task, it times out (10 s) and runs again
          // on the restarted worker.
          const deadline = Date.now() + 30_000;
          let d = await client.getHandle(id).describe();
          while (d.status.name === 'RUNNING' && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 500));
            d = await client.getHandle(id).describe();
          }
          if (d.status.name === 'COMPLETED') completed++;
          else notCompleted.push(`${id}: ${d.status.name}`);
        } catch (e) {
          notCompleted.push(`${id}: ${(e as Error).message}`);
        }
      }),
    );
  }
  return { completed, notCompleted };
}

export async function checkInvariants(databaseUrl: string, cases: CaseRecord[], temporal?: { connection: Connection; namespace: string }): Promise<CheckResult> {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 30 });
  try {
    const r = await readRows(sql, cases.map((c) => c.applicationNo));
    const client = temporal && new WorkflowClient({ connection: temporal.connection, namespace: temporal.namespace });
    const { closedCases, notClosed } = await closedOrNot(r, cases, client);
    const t = new Tally();
    const sms = checkSms(t, r, cases);
    checkCreditAndAudit(t, r, cases, closedCases);
    return {
      ...{ cases: cases.length, closed: closedCases.length, notClosed, duplicates: t.duplicates, missing: t.missing, orphans: t.orphans, details: t.details },
      counts: { notifications: r.notes.length, gatewayMessages: r.gateway.length, creditRecords: r.credit.length, platformRecords: r.platform.length, auditEvents: r.audit.length, ...sms },
      workflows: client ? await checkWorkflows(client, cases) : { completed: 0, notCompleted: [] },
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function countBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}
