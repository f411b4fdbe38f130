// The invariants after the storm, read from PostgreSQL (our records and the embedded
// providers' own tables) and from Temporal. What a case must leave depends on its path
// (paths.ts, `expected`):
//
//   every case     ended as its path expects: stage 'closed' (compliant) or 'revoked'
//                  (revocation), closed, both workflows completed; its licence, commitment
//                  outcome and task outcome as the path leaves them (a revoked case: licence
//                  revoked, commitment broken, task closed 'revocation-requested');
//   SMS            each expected notification exactly once, sent, on the gateway and on the
//                  trail: the claim notice (both paths); the rectification order, re-inspection
//                  notice, revocation request to the approval head and revocation notice to the
//                  linked department (revocation). No gateway message without a notification
//                  (sent but not recorded); no logical message twice on the gateway, even under
//                  two keys (grouped by task or case and message kind, and by phone and body);
//                  reminders and escalations (cases slowed down past the windows) at most once;
//   credit         exactly one record per expected business key, accepted, on our side and on
//                  the platform's: `<taskId>:credit:result` (both), `<no>:credit:broken-commitment`
//                  (revocation); no record a path does not file; no platform record without
//                  ours; one platform record per (applicant, kind); the applicant's profile
//                  counts the broken commitment once;
//   audit trail    each step of the path as often as the path makes it, none of another path.
//
// "Missing" is an expected effect that is absent; "duplicate" is one logical effect twice. The
// effects of the whole path are expected of cases that ended; a case that did not is reported
// as such, with a diagnosis (read model against the workflow's own state), and only the claim
// SMS of its task, if the task exists, is expected of it.
import postgres from 'postgres';
import { WorkflowClient } from '@temporalio/client';
import type { Connection } from '@temporalio/client';
import type { CaseRecord } from './driver.js';
import { PATH_NAMES, PATHS, type Expected, type PathName } from './paths.js';

/**
 * `notClosed`: the cases that did not end as their path expects (stage, task status, workflow
 * state, what the driver saw); `orphans`: effects sent but not recorded on our side, or records
 * no step of the path makes; `paths`: per path its cases, how many ended, and how many expected
 * effects were looked for in those.
 */
export type CheckResult = Record<'cases' | 'closed' | 'duplicates' | 'missing' | 'orphans', number> & {
  notClosed: string[];
  details: string[];
  counts: Record<'notifications' | 'gatewayMessages' | 'creditRecords' | 'platformRecords' | 'auditEvents' | 'reminders' | 'escalations', number>;
  paths: Record<PathName, { cases: number; ended: number; effects: number }>;
  workflows: { completed: number; notCompleted: string[] };
};

/** `<key>:<ISO instant>` → `<key>`: reminders carry the deadline they are about. */
const logicalKey = (key: string): string => key.replace(/:\d{4}-\d{2}-\d{2}T[\d:.]+Z$/, '');

/** What the storm left: our records and the embedded providers' own tables. */
async function readRows(sql: postgres.Sql, nos: string[], codes: string[]) {
  return {
    caseRows: await sql<{ application_no: string; stage: string; route: string | null; licence_status: string; commitment_outcome: string | null; closed_at: Date | null }[]>`
      select application_no, stage, route, licence_status, commitment_outcome, closed_at from cases where application_no = any(${nos})`,
    taskRows: await sql<{ task_id: string; application_no: string; status: string; result: string | null; outcome: string | null }[]>`
      select task_id, application_no, status, result, outcome from tasks where application_no = any(${nos})`,
    notes: await sql<{ business_key: string; application_no: string | null; task_id: string | null; template: string; status: string; recipient_phone: string }[]>`
      select business_key, application_no, task_id, template, status, recipient_phone from notifications`,
    gateway: await sql<{ out_id: string; phone: string; body: string }[]>`select out_id, phone, body from sms_gateway_messages`,
    credit: await sql<{ business_key: string; application_no: string; task_id: string | null; kind: string; status: string; credit_code: string }[]>`
      select business_key, application_no, task_id, kind, status, credit_code from credit_records`,
    platform: await sql<{ business_key: string; credit_code: string; kind: string }[]>`select business_key, credit_code, kind from credit_platform_records`,
    profiles: await sql<{ credit_code: string; broken_commitments: number }[]>`select credit_code, broken_commitments from credit_profiles where credit_code = any(${codes})`,
    audit: await sql<{ event_key: string; application_no: string; kind: string }[]>`select event_key, application_no, kind from audit_events where application_no = any(${nos}) or application_no like any(${nos.map((no) => `notice-rev-${no}.%`)})`,
  };
}
type Rows = Awaited<ReturnType<typeof readRows>>;

/** Counts and describes what is missing, there twice, or there without a reason; `looked` counts the expected effects looked for, per path. */
class Tally {
  duplicates = 0;
  missing = 0;
  orphans = 0;
  readonly details: string[] = [];
  readonly looked: Record<PathName, number> = { compliant: 0, revocation: 0 };
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
  /** An expected effect of an ended case of `path`: counted, and missing unless `ok`. */
  expect(path: PathName, ok: boolean, s: string): void {
    this.looked[path]++;
    if (!ok) this.miss(s);
  }
}

/** The cases that ended as their path expects, each with what its path must have left. */
type Ended = Map<string, Expected>;

const sentStatus = (s: string) => s === 'sent' || s === 'delivered';
const isReminder = (n: { template: string; business_key: string }) => n.template.includes('reminder') || n.business_key.includes('reminder');
const isEscalation = (n: { template: string; business_key: string }) => n.template.includes('escalation') || n.business_key.includes('escalation');

/** The SMS each case must have: its path's, once it ended; else the claim notice once its task exists. */
function checkExpectedSms(t: Tally, r: Rows, cases: CaseRecord[], ended: Ended): Set<string> {
  const taskIds = new Set(r.taskRows.map((x) => x.task_id));
  const noteByKey = new Map(r.notes.map((n) => [n.business_key, n]));
  const gatewayKeys = new Set(r.gateway.map((g) => g.out_id));
  const onTrail = new Set(r.audit.map((e) => e.event_key));
  const expected = new Set<string>();
  for (const c of cases) {
    const e = ended.get(c.applicationNo);
    const keys = e?.sms ?? (taskIds.has(c.taskId) ? [`${c.taskId}:claim-notice`] : []);
    for (const key of keys) {
      expected.add(key);
      const n = noteByKey.get(key);
      if (e) t.expect(c.path, !!n, `SMS ${key}: no notification`);
      else if (!n) t.miss(`SMS ${key}: no notification`);
      if (n && !sentStatus(n.status)) t.miss(`SMS ${key}: notification ${n.status}`);
      if (!gatewayKeys.has(key)) t.miss(`SMS ${key}: not on the gateway`);
      if (!onTrail.has(`${key}:sent`)) t.miss(`audit ${c.applicationNo}: SMS ${key} is not on the trail`);
    }
  }
  return expected;
}

/** SMS: our outbox against the gateway. Answers the reminders and escalations of our cases. */
function checkSms(t: Tally, r: Rows, cases: CaseRecord[], ended: Ended): { reminders: number; escalations: number } {
  const expected = checkExpectedSms(t, r, cases, ended);
  const noteByKey = new Map(r.notes.map((n) => [n.business_key, n]));
  const gatewayKeys = new Set(r.gateway.map((g) => g.out_id));
  const ours = new Set(cases.map((c) => c.taskId));
  const caseNos = new Set(cases.map((c) => c.applicationNo));
  const ourNotes = r.notes.filter((x) => (x.task_id && ours.has(x.task_id)) || (x.application_no && caseNos.has(x.application_no)));
  let [reminders, escalations] = [0, 0];
  for (const n of ourNotes) {
    if (isReminder(n)) reminders++;
    if (isEscalation(n)) escalations++;
    if (expected.has(n.business_key)) continue;
    // Reminders and escalations happen when chaos slows a case past the training windows:
    // optional, but once sent they must be on the gateway, and never pending at the end.
    if (!sentStatus(n.status)) t.miss(`SMS ${n.business_key}: notification ${n.status} at the end`);
    else if (!gatewayKeys.has(n.business_key)) t.miss(`SMS ${n.business_key}: recorded sent, not on the gateway`);
  }
  for (const g of r.gateway) if (!noteByKey.has(g.out_id)) t.orphan(`SMS ${g.out_id} on the gateway without a notification (sent, not recorded)`);
  for (const [k, n] of countBy(r.gateway, (g) => logicalKey(g.out_id))) if (n > 1) t.dup(`SMS ${k}: ${n} gateway messages`, n - 1);
  for (const [k, n] of countBy(r.gateway, (g) => `${g.phone}|${g.body}`)) if (n > 1) t.dup(`SMS to ${k.split('|')[0]}: the same text ${n} times (${k.split('|')[1]!.slice(0, 80)})`, n - 1);
  // One kind of message to one recipient about one task (or case): a notice and its reminder share a template.
  const sort = (n: (typeof ourNotes)[number]) => (isReminder(n) ? 'reminder' : isEscalation(n) ? 'escalation' : 'notice');
  for (const [k, n] of countBy(ourNotes, (x) => `${x.task_id ?? x.application_no}|${x.template}|${sort(x)}|${x.recipient_phone}`)) if (n > 1) t.dup(`SMS ${k}: ${n} notifications of one kind to one recipient`, n - 1);
  return { reminders, escalations };
}

/** Credit records: each expected one once, ours against the platform's, the profile's count of broken commitments. */
function checkCredit(t: Tally, r: Rows, cases: CaseRecord[], ended: Ended): void {
  const creditByKey = new Map(r.credit.map((x) => [x.business_key, x]));
  const platformKeys = new Set(r.platform.map((x) => x.business_key));
  const broken = new Map(r.profiles.map((p) => [p.credit_code, p.broken_commitments]));
  for (const c of cases) {
    const e = ended.get(c.applicationNo);
    if (!e) continue;
    for (const { key, kind } of e.credit) {
      const x = creditByKey.get(key);
      t.expect(c.path, !!x, `credit ${key}: no credit record`);
      if (x && (x.status !== 'accepted' || x.kind !== kind)) t.miss(`credit ${key}: ${x.kind} ${x.status}, expected ${kind} accepted`);
      if (!platformKeys.has(key)) t.miss(`credit ${key}: not on the credit platform`);
    }
    const [n, want] = [broken.get(c.creditCode) ?? 0, e.brokenCommitments];
    const profile = `credit profile of ${c.creditCode} (${c.applicationNo}): ${n} broken commitment(s), expected ${want}`;
    t.expect(c.path, n >= want, profile);
    if (n > want && want > 0) t.dup(profile, n - want);
    else if (n > want) t.orphan(profile);
  }
  const filed = new Map(cases.map((c) => [c.applicationNo, new Set(PATHS[c.path].expected(c.applicationNo, c.taskId).credit.map((x) => x.key))]));
  for (const x of r.platform) if (!creditByKey.has(x.business_key)) t.orphan(`credit ${x.business_key} on the platform without our record`);
  for (const x of r.credit) if (filed.has(x.application_no) && !filed.get(x.application_no)!.has(x.business_key)) t.orphan(`credit ${x.business_key}: a ${x.kind} record its case's path never files`);
  for (const [k, n] of countBy(r.platform, (x) => `${x.credit_code}|${x.kind}`)) if (n > 1) t.dup(`credit platform: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);
  for (const [k, n] of countBy(r.credit, (x) => `${x.application_no}|${x.kind}`)) if (n > 1) t.dup(`credit records: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);
}

/** The audit trail: each kind a path makes as often as it makes it (missing only once the case ended), none of another path. */
function checkAudit(t: Tally, r: Rows, cases: CaseRecord[], ended: Ended): void {
  const kinds = countBy(r.audit, (e) => `${e.application_no}|${e.kind}`);
  const allKinds = new Set(PATH_NAMES.flatMap((p) => Object.keys(PATHS[p].expected('', '').audit)));
  for (const c of cases) {
    const e = ended.get(c.applicationNo);
    const wanted = PATHS[c.path].expected(c.applicationNo, c.taskId).audit;
    for (const kind of allKinds) {
      const [n, limit] = [kinds.get(`${c.applicationNo}|${kind}`) ?? 0, wanted[kind] ?? 0];
      if (e && limit > 0) t.expect(c.path, n >= limit, `audit ${c.applicationNo}: '${kind}' ${n} time(s), expected ${limit}`);
      if (n > limit && limit > 0) t.dup(`audit ${c.applicationNo}: '${kind}' ${n} times, expected ${limit}`, n - limit);
      else if (n > limit) t.orphan(`audit ${c.applicationNo}: '${kind}', a step the ${c.path} path never makes`);
    }
  }
}

/** The final state of each ended case: licence, commitment outcome, the task's outcome and result. */
function checkState(t: Tally, r: Rows, cases: CaseRecord[], ended: Ended): void {
  const caseOf = new Map(r.caseRows.map((x) => [x.application_no, x]));
  const taskOf = new Map(r.taskRows.map((x) => [x.task_id, x]));
  for (const c of cases) {
    const want = ended.get(c.applicationNo)?.state;
    if (!want) continue;
    const [row, task] = [caseOf.get(c.applicationNo)!, taskOf.get(c.taskId)];
    t.expect(c.path, row.licence_status === want.licenceStatus, `state ${c.applicationNo}: licence ${row.licence_status}, expected ${want.licenceStatus}`);
    t.expect(c.path, row.commitment_outcome === want.commitmentOutcome, `state ${c.applicationNo}: commitment outcome ${row.commitment_outcome ?? 'none'}, expected ${want.commitmentOutcome ?? 'none'}`);
    t.expect(c.path, task?.outcome === want.taskOutcome && task.result === want.taskResult, `state ${c.taskId}: task ${task ? `${task.status} ${task.outcome ?? '-'}/${task.result ?? '-'}` : 'absent'}, expected closed ${want.taskOutcome}/${want.taskResult}`);
  }
}

/** The cases that ended as their path expects, and a diagnosis of each one that did not (read model against the workflow's own state). */
async function endedOrNot(r: Rows, cases: CaseRecord[], client?: WorkflowClient): Promise<{ ended: Ended; notClosed: string[] }> {
  const caseOf = new Map(r.caseRows.map((x) => [x.application_no, x]));
  const taskOf = new Map(r.taskRows.map((x) => [x.task_id, x]));
  const [ended, notClosed]: [Ended, string[]] = [new Map(), []];
  for (const c of cases) {
    const [row, t] = [caseOf.get(c.applicationNo), taskOf.get(c.taskId)];
    if (row?.stage === PATHS[c.path].final && row.closed_at && t?.status === 'closed') {
      ended.set(c.applicationNo, PATHS[c.path].expected(c.applicationNo, c.taskId));
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
    const stage = row ? `${row.stage}${row.closed_at ? ', closed' : ''}` : 'absent';
    notClosed.push(`${c.applicationNo} (${c.path} path): case ${stage}, task ${t ? `${t.status}/${t.result ?? '-'}` : 'absent'} in the read model${workflowSide}${c.error ? `; driver: ${c.error}` : ''}`);
  }
  return { ended, notClosed };
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
    const r = await readRows(sql, cases.map((c) => c.applicationNo), cases.map((c) => c.creditCode));
    const client = temporal && new WorkflowClient({ connection: temporal.connection, namespace: temporal.namespace });
    const { ended, notClosed } = await endedOrNot(r, cases, client);
    const t = new Tally();
    const sms = checkSms(t, r, cases, ended);
    checkCredit(t, r, cases, ended);
    checkAudit(t, r, cases, ended);
    checkState(t, r, cases, ended);
    const paths = {} as CheckResult['paths'];
    for (const p of PATH_NAMES) paths[p] = { cases: cases.filter((c) => c.path === p).length, ended: cases.filter((c) => c.path === p && ended.has(c.applicationNo)).length, effects: t.looked[p] };
    return {
      ...{ cases: cases.length, closed: ended.size, notClosed, duplicates: t.duplicates, missing: t.missing, orphans: t.orphans, details: t.details, paths },
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
