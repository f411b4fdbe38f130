/**
 * `node scripts/bootstrap.mjs run scripts/crash/repro-lost-claim.ts [--cases N] [--keep]`
 *
 * A targeted reproduction of the lost-claim race the crash test found (docs/crash-test.md): a
 * claim that reaches supervisionTask in the same workflow task as openTask's result is
 * accepted, then overwritten by `moveTo('awaiting-claim')` when the main code resumes. The read
 * model says claimed; the workflow goes on as if unclaimed (reminder, overdue, escalation SMS)
 * and refuses the inspection with 409, so the case never closes.
 *
 * Each of N training cases (default 5, one after the other, on the crash test's private
 * stack) is submitted and approved; as soon as its supervisionTask has scheduled openTask, the
 * worker is SIGKILLed and a new one started. openTask then completes on the new worker, but
 * the workflow task that delivers its result goes to the dead worker's sticky queue and waits
 * there (10 s schedule-to-start) — the task row is already committed and in the inbox. The
 * inspector claims the moment the row appears (the `tasks` table is polled every 2 ms), so the
 * claim joins that pending workflow task, and the new worker runs the claim handler first and
 * openTask's continuation second. Exit code 1 when the claim was lost at least once.
 */
import postgres from 'postgres';
import { WorkflowClient } from '@temporalio/client';
import { signDevToken } from '../../api/auth.js';
import { DEMO } from '../seed.js';
import { sleep } from '../stack/proc.js';
import { Driver, type CaseRecord } from './driver.js';
import { createRng } from './rng.js';
import { CrashStack } from './stack.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--cases');
const cases = at >= 0 ? Number(argv[at + 1]) : 5;
const keep = argv.includes('--keep');
const log = (m: string) => console.log(`[repro] ${m}`);

let interrupted = false;
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => (interrupted = true));

async function main(): Promise<number> {
  if (!Number.isInteger(cases) || cases < 1) throw new Error('--cases needs a positive integer');
  const stack = await CrashStack.start({ log });
  const sql = postgres(stack.databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const tokens = {
      approver: await signDevToken(stack.config, { sub: 'approval:crash-clerk', role: 'approval', department: DEMO.approvalDepartment }),
      inspector: await signDevToken(stack.config, { sub: 'supervision:crash-inspector', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision }),
    };
    // The driver lends its retrying HTTP calls, case numbers and credit codes.
    const http = new Driver({ baseUrl: stack.apiUrl, tokens, cases, concurrency: 1, rng: createRng(99), prefix: 'LC', deadline: Date.now() + 900_000, stopped: () => interrupted, stallMs: 600_000, log });
    const workflows = new WorkflowClient({ connection: stack.temporalConnection(), namespace: 'default' });

    const one = async (c: CaseRecord): Promise<{ lost: boolean; line: string }> => {
      const body = { applicationNo: c.applicationNo, itemCode: 'TR-FOOD-01', applicant: { creditCode: c.creditCode, name: '连云港演练食品店', phone: '13700000002' }, materials: ['食品经营许可申请书'] };
      const submitted = await http.call('POST', '/v1/applications', tokens.approver, body, 60_000);
      if (submitted.status !== 201) throw new Error(`submit: HTTP ${submitted.status} ${submitted.text}`);
      const decided = await http.call('POST', `/v1/applications/${c.applicationNo}/decision`, tokens.approver, { outcome: 'approve', opinion: '演练' }, 60_000);
      if (decided.status !== 200) throw new Error(`decision: HTTP ${decided.status} ${decided.text}`);
      // The task workflow has scheduled openTask: its next workflow task goes to this worker's sticky queue.
      for (;;) {
        const d = await workflows
          .getHandle(c.taskId)
          .describe()
          .catch(() => null);
        if (d?.raw.pendingActivities?.some((a) => a.activityType?.name === 'openTask')) break;
        await sleep(5);
      }
      await stack.killWorker();
      await stack.startWorker();
      while ((await sql`select 1 from tasks where task_id = ${c.taskId}`).length === 0) await sleep(2);
      const claimed = await http.call('POST', `/v1/tasks/${c.taskId}/claim`, tokens.inspector, undefined, 60_000);
      // Let the main code pass openTask: the claim SMS goes out right after it.
      for (let i = 0; i < 120 && (await sql`select 1 from notifications where business_key = ${`${c.taskId}:claim-notice`} and status = 'sent'`).length === 0; i++) await sleep(500);
      await sleep(1000);
      const [row] = await sql<{ status: string }[]>`select status from tasks where task_id = ${c.taskId}`;
      const state = await workflows.getHandle(c.taskId).query<{ status: string }>('taskState');
      const finishedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      const inspection = await http.call('POST', `/v1/tasks/${c.taskId}/inspection`, tokens.inspector, { finishedAt, findings: '现场检查' }, 60_000);
      const lost = row?.status === 'claimed' && state.status === 'awaiting-claim';
      const detail = inspection.status === 200 ? '' : ` (${(inspection.json as { detail?: string } | null)?.detail ?? inspection.text})`;
      return { lost, line: `${c.taskId}: claim ${claimed.status}; read model ${row?.status}, workflow ${state.status}; inspection ${inspection.status}${detail}${lost ? '  <-- claim lost' : ''}` };
    };
    const results = [];
    for (const c of http.cases) {
      const r = await one(c);
      log(r.line);
      results.push(r);
    }
    const lost = results.filter((r) => r.lost).length;
    log(`claim lost in ${lost} of ${cases} cases${lost ? '' : ' (the race did not hit this time)'}`);
    return lost > 0 ? 1 : 0;
  } finally {
    await sql.end({ timeout: 5 });
    await stack.teardown({ keep });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('[repro] failed:', e);
    process.exit(2);
  },
);
