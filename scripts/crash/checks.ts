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

export interface CheckResult {
  cases: number;
  closed: number;
  /** Cases not closed (stage, task status, workflow state, what the driver saw). */
  notClosed: string[];
  duplicates: number;
  missing: number;
  /** Effects sent but not recorded on our side, or records no step of the route makes. */
  orphans: number;
  details: string[];
  counts: { notifications: number; gatewayMessages: number; creditRecords: number; platformRecords: number; auditEvents: number; reminders: number; escalations: number };
  workflows: { completed: number; notCompleted: string[] };
}

/** `<key>:<ISO instant>` → `<key>`: reminders carry the deadline they are about. */
const logicalKey = (key: string): string => key.replace(/:\d{4}-\d{2}-\d{2}T[\d:.]+Z$/, '');

export async function checkInvariants(databaseUrl: string, cases: CaseRecord[], temporal?: { connection: Connection; namespace: string }): Promise<CheckResult> {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 30 });
  const details: string[] = [];
  let duplicates = 0;
  let missing = 0;
  let orphans = 0;
  const dup = (s: string, n = 1) => {
    duplicates += n;
    details.push(`DUPLICATE ${s}`);
  };
  const miss = (s: string) => {
    missing++;
    details.push(`MISSING ${s}`);
  };
  const orphan = (s: string) => {
    orphans++;
    details.push(`ORPHAN ${s}`);
  };
  try {
    const nos = cases.map((c) => c.applicationNo);
    const caseRows = await sql<{ application_no: string; stage: string }[]>`select application_no, stage from cases where application_no = any(${nos})`;
    const taskRows = await sql<{ task_id: string; application_no: string; status: string; result: string | null }[]>`select task_id, application_no, status, result from tasks where application_no = any(${nos})`;
    const notes = await sql<{ business_key: string; application_no: string | null; task_id: string | null; template: string; status: string; recipient_phone: string }[]>`
      select business_key, application_no, task_id, template, status, recipient_phone from notifications`;
    const gateway = await sql<{ out_id: string; phone: string; body: string }[]>`select out_id, phone, body from sms_gateway_messages`;
    const credit = await sql<{ business_key: string; application_no: string; task_id: string | null; kind: string; status: string; credit_code: string }[]>`
      select business_key, application_no, task_id, kind, status, credit_code from credit_records`;
    const platform = await sql<{ business_key: string; credit_code: string; kind: string }[]>`select business_key, credit_code, kind from credit_platform_records`;
    const audit = await sql<{ event_key: string; application_no: string; kind: string }[]>`select event_key, application_no, kind from audit_events where application_no = any(${nos})`;

    const stageOf = new Map(caseRows.map((r) => [r.application_no, r.stage]));
    const taskOf = new Map(taskRows.map((t) => [t.task_id, t]));
    const noteByKey = new Map(notes.map((n) => [n.business_key, n]));
    const gatewayByKey = new Map(gateway.map((g) => [g.out_id, g]));
    const creditByKey = new Map(credit.map((r) => [r.business_key, r]));
    const platformByKey = new Map(platform.map((r) => [r.business_key, r]));

    // --- cases and tasks ---
    const notClosed: string[] = [];
    const closedCases: CaseRecord[] = [];
    const client = temporal && new WorkflowClient({ connection: temporal.connection, namespace: temporal.namespace });
    for (const c of cases) {
      const stage = stageOf.get(c.applicationNo);
      const t = taskOf.get(c.taskId);
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
    const closed = closedCases.length;

    // --- SMS: our outbox against the gateway ---
    const ours = new Set(cases.map((c) => c.taskId));
    const caseNos = new Set(nos);
    const sentStatus = (s: string) => s === 'sent' || s === 'delivered';
    for (const c of cases.filter((x) => taskOf.has(x.taskId))) {
      const key = `${c.taskId}:claim-notice`;
      const n = noteByKey.get(key);
      if (!n) miss(`SMS ${key}: no notification`);
      else if (!sentStatus(n.status)) miss(`SMS ${key}: notification ${n.status}`);
      if (!gatewayByKey.has(key)) miss(`SMS ${key}: not on the gateway`);
    }
    let reminders = 0;
    let escalations = 0;
    for (const n of notes) {
      const mine = (n.task_id && ours.has(n.task_id)) || (n.application_no && caseNos.has(n.application_no));
      if (!mine) continue;
      if (n.template.includes('reminder')) reminders++;
      if (n.template.includes('escalation')) escalations++;
      if (n.business_key.endsWith(':claim-notice')) continue;
      // Reminders and escalations happen when chaos slows a case past the training windows:
      // optional, but once sent they must be on the gateway, and never pending at the end.
      if (!sentStatus(n.status)) miss(`SMS ${n.business_key}: notification ${n.status} at the end`);
      else if (!gatewayByKey.has(n.business_key)) miss(`SMS ${n.business_key}: recorded sent, not on the gateway`);
    }
    for (const g of gateway) if (!noteByKey.has(g.out_id)) orphan(`SMS ${g.out_id} on the gateway without a notification (sent, not recorded)`);
    const byLogical = countBy(gateway, (g) => logicalKey(g.out_id));
    for (const [k, n] of byLogical) if (n > 1) dup(`SMS ${k}: ${n} gateway messages`, n - 1);
    const byPhoneBody = countBy(gateway, (g) => `${g.phone}|${g.body}`);
    for (const [k, n] of byPhoneBody) if (n > 1) dup(`SMS to ${k.split('|')[0]}: the same text ${n} times (${k.split('|')[1]!.slice(0, 80)})`, n - 1);
    const byTemplate = countBy(
      notes.filter((n) => n.task_id && ours.has(n.task_id)),
      (n) => `${n.task_id}|${n.template}|${n.recipient_phone}`,
    );
    for (const [k, n] of byTemplate) if (n > 1) dup(`SMS ${k}: ${n} notifications of one kind to one recipient`, n - 1);

    // --- credit records: ours against the platform's ---
    for (const c of closedCases) {
      const key = `${c.taskId}:credit:result`;
      const r = creditByKey.get(key);
      if (!r) miss(`credit ${key}: no credit record`);
      else if (r.status !== 'accepted' || r.kind !== 'supervision-result') miss(`credit ${key}: ${r.kind} ${r.status}`);
      if (!platformByKey.has(key)) miss(`credit ${key}: not on the credit platform`);
    }
    for (const r of platform) if (!creditByKey.has(r.business_key)) orphan(`credit ${r.business_key} on the platform without our record`);
    for (const r of credit) {
      if (caseNos.has(r.application_no) && r.kind !== 'supervision-result') orphan(`credit ${r.business_key}: a ${r.kind} record the standard route never files`);
    }
    for (const [k, n] of countBy(platform, (r) => `${r.credit_code}|${r.kind}`)) if (n > 1) dup(`credit platform: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);
    for (const [k, n] of countBy(credit, (r) => `${r.application_no}|${r.kind}`)) if (n > 1) dup(`credit records: ${n} ${k.split('|')[1]} records for ${k.split('|')[0]}`, n - 1);

    // --- audit trail ---
    const kinds = countBy(audit, (e) => `${e.application_no}|${e.kind}`);
    const closedNos = new Set(closedCases.map((c) => c.applicationNo));
    for (const c of cases) {
      for (const kind of ONCE_KINDS) {
        const n = kinds.get(`${c.applicationNo}|${kind}`) ?? 0;
        if (n === 0 && closedNos.has(c.applicationNo)) miss(`audit ${c.applicationNo}: no '${kind}' event`);
        else if (n > 1) dup(`audit ${c.applicationNo}: '${kind}' ${n} times`, n - 1);
      }
      if (taskOf.has(c.taskId) && !audit.some((e) => e.event_key === `${c.taskId}:claim-notice:sent`)) miss(`audit ${c.applicationNo}: the claim notice is not on the trail`);
    }

    // --- workflows ---
    const notCompleted: string[] = [];
    let completed = 0;
    if (client) {
      const ids = cases.flatMap((c) => [`case-${c.applicationNo}`, c.taskId]);
      for (let i = 0; i < ids.length; i += 20) {
        await Promise.all(
          ids.slice(i, i + 20).map(async (id) => {
            try {
              // The read model says "closed" one workflow task before the workflow completes;
              // when the last kill took the worker holding that task, it times out (10 s) and
              // runs again on the restarted worker. So a running workflow gets 30 s to finish.
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
    }

    return {
      cases: cases.length,
      closed,
      notClosed,
      duplicates,
      missing,
      orphans,
      details,
      counts: {
        notifications: notes.length,
        gatewayMessages: gateway.length,
        creditRecords: credit.length,
        platformRecords: platform.length,
        auditEvents: audit.length,
        reminders,
        escalations,
      },
      workflows: { completed, notCompleted },
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
