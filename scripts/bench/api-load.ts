// npm run bench:api [-- --quick] [-- --engine dev|cluster] [-- --tasks N] [-- --cache N]
// The API under load over real HTTP: N open supervision tasks (default 10,000, quick 200; real
// workflows of SP-FOOD-01, worker in-process) and 20 concurrent callers from a load generator in
// its own process (http-driver.ts, autocannon) on the inbox, claim, inspection and feedback.
// Throughput and p50/p99 per route against, in the same run, the inbox's bare SQL, the same
// Updates sent with the Temporal client, and the server's floor for an Update at the same
// concurrency (a bare workflow's Update with one local INSERT, as ours records, and a no-op one),
// all on the one server of the engine (`--engine`).
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { prepare, type PreparedRequest } from '../../client/index.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import { claimUpdate, feedbackUpdate, inspectionUpdate, type Actor } from '../../workflows/contracts.js';
import { DEMO } from '../seed.js';
import { cpuSplit, perItem, type CpuSplit } from './cpu.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, countOf, driveHttp, pct, pool, sleep, startBareWorker, startBenchStack, startBenchTasks, startOurWorker, timedPool, type BenchStack, type Temporal } from './stack.js';
import { bareClaim, bareInspection, type Shape } from './bare-workflows.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 200 : 10_000);
// The worker's workflow cache: a claim on a task not cached replays its history first, as a claim days after the push does.
const cache = argValue(argv, '--cache');
const CONCURRENCY = 20;
/** Tasks acted on per route: half through the API, half through the client (baseline). */
const ACTED = Math.min(Math.floor(N / 2), quick ? 60 : 1000);
const READS = quick ? 400 : 5000;

type Figure = { seconds: number; lat: number[] };
const measure = (n: number, fn: (i: number) => Promise<unknown>): Promise<Figure> => timedPool(n, CONCURRENCY, fn);

/** Runs the requests from the load-generator process (its CPU is not the API's). */
const measureHttp = (base: string, token: string, requests: PreparedRequest[]): Promise<Figure> => driveHttp(base, token, CONCURRENCY, requests);

/** A route's line, then its baselines' (indented). */
const line = (...rows: Array<[string, Figure]>) => {
  for (const [name, r] of rows) console.log(`${name.padEnd(52)} ${(r.lat.length / r.seconds).toFixed(1).padStart(8)} req/s   p50 ${pct(r.lat, 50).toFixed(1).padStart(7)} ms   p99 ${pct(r.lat, 99).toFixed(1).padStart(7)} ms   (${r.lat.length} requests)`);
};
const cpuLine = (c: CpuSplit) => `API process ${c.node.toFixed(2)}   Temporal ${c.temporal.toFixed(2)}   PostgreSQL ${c.postgres.toFixed(2)}   machine ${c.machine.toFixed(2)}`;

/** The routes over HTTP and, on other tasks, the same Updates through the client. */
async function routes(stack: BenchStack, t: Temporal, ours: Awaited<ReturnType<typeof startOurWorker>>, taskId: (g: number) => string) {
  const { config, database } = ours;
  const app = await buildApp({ config, database, temporal: t.client, verifier: await createVerifier(config) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const actor = { sub: 'bench:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision } satisfies Actor;
  const token = await signDevToken(config, actor);
  const finishedAt = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  // Each request built by the typed client (client/index.ts), so the bench cannot drift from the contract.
  const http = async (n: number, f: (i: number) => Promise<PreparedRequest>) => measureHttp(base, token, await Promise.all(Array.from({ length: n }, (_, i) => f(i))));
  const task = (i: number) => ({ params: { path: { taskId: taskId(i) } } });
  const byClient = (f: (h: WorkflowHandle) => Promise<unknown>) => measure(ACTED, (i) => f(t.client.workflow.getHandle(taskId(ACTED + i))));

  const inboxCpu = cpuSplit(stack);
  const inboxRead = await prepare((api) => api.GET('/v1/tasks', { params: { query: { status: 'awaiting-claim', limit: 50 } } }));
  const inbox = await http(READS, async () => inboxRead);
  const inboxUsed = perItem(inboxCpu(), READS);
  // In the inbox's order, as bench:read-model's: the next deadline whatever its kind (the expression of the inbox indexes), then the task id.
  const inboxSql = await measure(READS, () => database.sql`select * from tasks where department_code = ${DEMO.market} and division_code = ${DEMO.marketFoodDivision} and status = 'awaiting-claim'
    order by (case status when 'awaiting-claim' then claim_due_at when 'awaiting-feedback' then feedback_due_at when 'awaiting-reinspection' then reinspection_due_at when 'rectifying' then rectification_due_at end), task_id limit 50`);
  const claimCpu = cpuSplit(stack);
  const claim = await http(ACTED, (i) => prepare((api) => api.POST('/v1/tasks/{taskId}/claim', task(i))));
  const claimUsed = perItem(claimCpu(), ACTED);
  const claimCl = await byClient((h) => h.executeUpdate(claimUpdate, { args: [{ actor }] }));
  const insp = await http(ACTED, (i) => prepare((api) => api.POST('/v1/tasks/{taskId}/inspection', { ...task(i), body: { finishedAt: finishedAt(), findings: '现场检查符合要求' } })));
  const inspCl = await byClient((h) => h.executeUpdate(inspectionUpdate, { args: [{ actor, finishedAt: finishedAt(), findings: '现场检查符合要求' }] }));
  const fb = await http(ACTED, (i) => prepare((api) => api.POST('/v1/tasks/{taskId}/feedback', { ...task(i), body: { result: 'compliant', note: '符合要求' } })));
  const fbCl = await byClient((h) => h.executeUpdate(feedbackUpdate, { args: [{ actor, result: 'compliant', note: '符合要求' }] }));
  await app.close();
  return { inbox, inboxUsed, inboxSql, claim, claimUsed, claimCl, insp, inspCl, fb, fbCl };
}

/**
 * The floor: bareTask with no activity tasks on the same server; its claim handler runs one
 * local INSERT (as ours records), its inspection handler nothing. Started just before, so their
 * 3-minute wait for a claim has not run out.
 */
async function floor(stack: BenchStack, t: Temporal) {
  const taskQueue = `bench-api-bare-${process.pid}`;
  const bare = await startBareWorker(stack, t, { taskQueue });
  const shape: Shape = { pre: 0, mid: 0, post: 0, open: 0, claim: 0, inspection: 0, feedback: 0, claimLocal: 1 };
  const handle = (i: number) => t.client.workflow.getHandle(`bare-api-${process.pid}-${i}`);
  await pool(ACTED, 50, (i) => t.client.workflow.start('bareTask', { taskQueue, workflowId: handle(i).workflowId, args: [handle(i).workflowId, shape] }));
  // At rest: each one's first workflow task done (started, its timer set).
  await pool(ACTED, 20, async (i) => {
    while ((await handle(i).describe()).historyLength < 4) await sleep(100);
  });
  const cpu = cpuSplit(stack);
  const local = await measure(ACTED, (i) => handle(i).executeUpdate(bareClaim));
  const localUsed = perItem(cpu(), ACTED);
  const noop = await measure(ACTED, (i) => handle(i).executeUpdate(bareInspection));
  await pool(ACTED, 50, (i) => handle(i).terminate('bench done'));
  await bare.stop();
  return { local, localUsed, noop };
}

const stack = await startBenchStack(engine);
try {
  const t = await connectTemporal(stack);
  const ours = await startOurWorker(stack, t, { taskQueue: `bench-api-${process.pid}`, cache });
  const tp = performance.now();
  const batch = { prefix: `BA${process.pid}`, n: N, itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: '320700', creditTag: 'BA', taskQueue: ours.config.temporal.taskQueue };
  const taskId = await startBenchTasks(ours.database, t.client, batch, () => new Date());
  // At rest: every task pushed and its SMS to the division admin sent (the last activity
  // before the claim wait). Measuring earlier raced the inbox against the tail of the pushes.
  const sent = () => countOf(ours.database.sql`select count(*)::int as n from notifications where business_key like ${`task-${batch.prefix}-%:claim-notice`} and status = 'sent'`);
  while ((await sent()) < N) await sleep(250);
  await sleep(2_000); // the workflow tasks that follow the last SMS
  await ours.database.sql.unsafe('vacuum analyze tasks');
  console.log(`[bench] ${N.toLocaleString('en')} open tasks pushed in ${((performance.now() - tp) / 1000).toFixed(1)} s`);
  const r = await routes(stack, t, ours, taskId);
  const f = await floor(stack, t);

  console.log(`\nAPI under load, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: ${N.toLocaleString('en')} open tasks, concurrency ${CONCURRENCY}, HTTP on 127.0.0.1 from a load generator in its own process (API, worker, Temporal and PostgreSQL share the other CPU time)`);
  const u = r.inboxUsed;
  line(['GET /v1/tasks (inbox, limit 50)', r.inbox], ['  baseline: the inbox query, bare SQL', r.inboxSql]);
  console.log(`  CPU ms per inbox read: ${cpuLine(u)}   load generator and the rest ${(u.machine - u.node - u.postgres - u.temporal).toFixed(2)}`);
  line(['POST /v1/tasks/:id/claim', r.claim], ['  baseline: claim Update via the Temporal client', r.claimCl], ['  floor: bare Update, one local INSERT', f.local], ['  floor: bare Update, no-op', f.noop]);
  console.log(`  CPU ms per claim: ${cpuLine(r.claimUsed)}; per bare Update with a local INSERT: ${cpuLine(f.localUsed)}`);
  line(['POST /v1/tasks/:id/inspection', r.insp], ['  baseline: inspection Update via the Temporal client', r.inspCl]);
  line(['POST /v1/tasks/:id/feedback', r.fb], ['  baseline: feedback Update via the Temporal client', r.fbCl]);
  const ratio = (a: Figure, b: Figure) => (pct(a.lat, 50) / pct(b.lat, 50)).toFixed(2);
  console.log(`ratio API/baseline p50: inbox ${ratio(r.inbox, r.inboxSql)}   claim ${ratio(r.claim, r.claimCl)}   inspection ${ratio(r.insp, r.inspCl)}   feedback ${ratio(r.fb, r.fbCl)}`);
  await ours.stop();
  await t.close();
} finally {
  await stack.stop();
}
