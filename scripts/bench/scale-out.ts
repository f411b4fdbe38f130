// npm run bench:scale [-- --quick] [-- --engine dev|cluster] [-- --tasks N]
// Scale-out (issue #30 item 6): the product as it is deployed — worker and API in processes of
// their own (runtime/worker.ts, api/server.ts) on one task queue — once with one worker and one
// API, then with two of each, each layout on a fresh server of the engine (run it with
// `--engine cluster` for the real server). Each layout gets N open tasks of SP-FOOD-01 (default
// 1,000, quick 40; started as the push starts them) and the same load: inbox reads, then claim,
// inspection and feedback on every task over HTTP, 20 callers in all from load generators in
// their own processes (http-driver.ts), split evenly over the APIs. Prints req/s and p50/p99 per
// route and layout side by side, and the ratio two ÷ one. On a 2-core machine every process
// shares the same two cores: a second worker and API bring no CPU, so the figures show what
// spreading costs or saves there (one Node process is one event loop), not a cluster's speed-up.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { signDevToken } from '../../api/auth.js';
import { prepare, type PreparedRequest } from '../../client/index.js';
import { createDatabase } from '../../db/client.js';
import { spawnApp, type App } from '../stack/app.js';
import { findFreePort, httpOk, waitUntil } from '../stack/proc.js';
import { DEMO } from '../seed.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, countOf, driveHttp, pct, sleep, startBenchStack, startBenchTasks, type BenchStack } from './stack.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 40 : 1000);
const CALLERS = 20;
const READS = quick ? 200 : 2000;
const ROUTES = ['GET /v1/tasks (inbox, limit 50)', 'POST /v1/tasks/:id/claim', 'POST /v1/tasks/:id/inspection', 'POST /v1/tasks/:id/feedback'] as const;

type Figure = { seconds: number; lat: number[] };

/** `count` workers and `count` APIs of the product on `taskQueue`, each in its own process; resolves once every API answers /healthz and every worker polls. */
async function startLayout(stack: BenchStack, count: number, taskQueue: string, poll: (identities: number) => Promise<boolean>): Promise<{ apps: App[]; bases: string[] }> {
  const apps: App[] = [];
  const bases: string[] = [];
  for (let k = 1; k <= count; k++) {
    const env = { ...stack.env, TEMPORAL_TASK_QUEUE: taskQueue };
    apps.push(spawnApp('worker', { logsDir: stack.logsDir, env }, (app) => console.error(app.exitError()?.message)));
    const port = await findFreePort();
    apps.push(spawnApp('api', { logsDir: stack.logsDir, env: { ...env, PORT: String(port), HOST: '127.0.0.1' } }, (app) => console.error(app.exitError()?.message)));
    bases.push(`http://127.0.0.1:${port}`);
  }
  const exited = () => apps.map((a) => a.exitError()).find((e) => e);
  await Promise.all(bases.map((b) => waitUntil(`${b}/healthz`, () => httpOk(`${b}/healthz`), 120_000, exited)));
  await waitUntil(`${count} workers polling ${taskQueue}`, () => poll(count), 120_000, exited);
  return { apps, bases };
}

/** The requests spread evenly over the APIs (a load balancer's round robin), 20 callers in all: the wall time to the last answer, every latency. */
async function spread(bases: string[], token: string, requests: PreparedRequest[]): Promise<Figure> {
  const share = bases.map((_, k) => requests.filter((_, i) => i % bases.length === k));
  const parts = await Promise.all(bases.map((b, k) => driveHttp(b, token, CALLERS / bases.length, share[k]!)));
  return { seconds: Math.max(...parts.map((p) => p.seconds)), lat: parts.flatMap((p) => p.lat) };
}

async function layout(stack: BenchStack, count: number): Promise<Figure[]> {
  const t = await connectTemporal(stack);
  const taskQueue = `bench-scale-${process.pid}-${count}`;
  // Both task queue types polled by `count` identities: a worker still loading would see none of the work.
  const polling = async (n: number) => {
    for (const taskQueueType of [1, 2]) {
      const r = await t.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
      if (new Set((r.pollers ?? []).map((p) => p.identity)).size < n) return false;
    }
    return true;
  };
  const { apps, bases } = await startLayout(stack, count, taskQueue, polling);
  const database = createDatabase(stack.databaseUrl, { max: 5 });
  try {
    const tp = performance.now();
    const batch = { prefix: `BS${process.pid}W${count}`, n: N, itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: '320700', creditTag: `S${count}`, taskQueue };
    const taskId = await startBenchTasks(database, t.client, batch, () => new Date());
    // At rest, as bench:api: every task pushed and its SMS to the division admin sent.
    const sent = () => countOf(database.sql`select count(*)::int as n from notifications where business_key like ${`task-${batch.prefix}-%:claim-notice`} and status = 'sent'`);
    while ((await sent()) < N) await sleep(250);
    await sleep(2_000);
    await database.sql.unsafe('vacuum analyze tasks');
    console.log(`[bench] ${count} worker(s) + ${count} API(s): ${N.toLocaleString('en')} open tasks pushed in ${((performance.now() - tp) / 1000).toFixed(1)} s`);
    const token = await signDevToken(stack.config, { sub: 'bench:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision });
    const task = (i: number) => ({ params: { path: { taskId: taskId(i) } } });
    const all = (f: (i: number) => Promise<PreparedRequest>) => Promise.all(Array.from({ length: N }, (_, i) => f(i)));
    const finishedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const inboxRead = await prepare((api) => api.GET('/v1/tasks', { params: { query: { status: 'awaiting-claim', limit: 50 } } }));
    return [
      await spread(bases, token, Array.from({ length: READS }, () => inboxRead)),
      await spread(bases, token, await all((i) => prepare((api) => api.POST('/v1/tasks/{taskId}/claim', task(i))))),
      await spread(bases, token, await all((i) => prepare((api) => api.POST('/v1/tasks/{taskId}/inspection', { ...task(i), body: { finishedAt, findings: '现场检查符合要求' } })))),
      await spread(bases, token, await all((i) => prepare((api) => api.POST('/v1/tasks/{taskId}/feedback', { ...task(i), body: { result: 'compliant', note: '符合要求' } })))),
    ];
  } finally {
    await Promise.all(apps.map((a) => a.stop(20_000)));
    await database.close();
    await t.close();
  }
}

const stack = await startBenchStack(engine);
try {
  const one = await layout(stack, 1);
  await stack.restartTemporal({ fresh: true });
  const two = await layout(stack, 2);
  console.log(`\nscale-out, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: ${N.toLocaleString('en')} open tasks per layout, ${CALLERS} callers over HTTP split evenly over the APIs; 1 worker + 1 API, then 2 workers + 2 APIs on one task queue, each on a fresh server`);
  console.log(`(on ${availableParallelism()} cores every process shares the same CPUs: a second worker and API add no CPU, only the spreading; on a shared machine more processes also get a larger share of it from the scheduler)`);
  const cell = (f: Figure) => `${(f.lat.length / f.seconds).toFixed(1).padStart(7)} req/s  p50 ${pct(f.lat, 50).toFixed(0).padStart(5)}  p99 ${pct(f.lat, 99).toFixed(0).padStart(5)} ms`;
  console.log(`${'route'.padEnd(34)} ${'1 worker + 1 API'.padEnd(38)} ${'2 workers + 2 APIs'.padEnd(38)} two ÷ one: req/s, p99`);
  ROUTES.forEach((route, r) => {
    const [a, b] = [one[r]!, two[r]!];
    const ratio = `${(b.lat.length / b.seconds / (a.lat.length / a.seconds)).toFixed(2)}, ${(pct(b.lat, 99) / pct(a.lat, 99)).toFixed(2)}`;
    console.log(`${route.padEnd(34)} ${cell(a).padEnd(38)} ${cell(b).padEnd(38)} ${ratio}`);
  });
} finally {
  await stack.stop();
}
