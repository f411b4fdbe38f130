// npm run bench:api [-- --quick] [-- --tasks N] [-- --cache N]
// The API under load, over real HTTP: N open supervision tasks (default 10,000, quick 200; real
// supervisionTask workflows of SP-FOOD-01 with the real activities, worker in-process), the API
// listening on a free port, and a fixed concurrency of 20 from a load generator in its own
// process (scripts/bench/http-driver.ts: autocannon, one keep-alive connection per caller) on: the
// inbox read, claim, inspection, feedback. Prints throughput and p50/p99 per
// route; in the same run the baselines: the same Updates sent straight to the workflows with
// the Temporal client (no HTTP, auth, zod or read model), and the inbox's bare SQL — and the
// dev server's floor for an Update at the same concurrency: a bare workflow's Update that runs
// one local INSERT (the shape of ours), and one that does nothing.
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import { buildApp } from '../../api/app.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import { createDatabase } from '../../db/client.js';
import { createWorker, workflowsPath } from '../../runtime/worker.js';
import { claimUpdate, feedbackUpdate, inspectionUpdate, type Actor, type SupervisionTaskInput } from '../../workflows/contracts.js';
import { DEMO } from '../seed.js';
import { argValue, cpuSplit, insertBenchCases, pct, pool, quietTemporalRuntime, sleep, startBenchStack, type CpuSplit } from './stack.js';
import { bareClaim, bareInspection, type Shape } from './bare-workflows.js';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 200 : 10_000);
const CONCURRENCY = 20;
/** Tasks acted on per route: half through the API, half through the client (baseline). */
const ACTED = Math.min(Math.floor(N / 2), quick ? 60 : 1000);
const READS = quick ? 400 : 5000;

quietTemporalRuntime();

async function measure(n: number, fn: (i: number) => Promise<void>): Promise<{ perSecond: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = performance.now();
  await pool(n, CONCURRENCY, async (i) => {
    const t = performance.now();
    await fn(i);
    lat.push(performance.now() - t);
  });
  return { perSecond: n / ((performance.now() - t0) / 1000), lat };
}
/** Runs the requests from the load-generator process (its CPU is not the API's). */
async function measureHttp(base: string, token: string, requests: Array<{ method: 'GET' | 'POST'; url: string; body?: unknown }>): Promise<{ perSecond: number; lat: number[] }> {
  const driver = path.join(path.dirname(new URL(import.meta.url).pathname), 'http-driver.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), driver], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ base, token, concurrency: CONCURRENCY, requests }));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the load generator failed (exit ${code})`);
  return JSON.parse(out) as { perSecond: number; lat: number[] };
}

const line = (name: string, r: { perSecond: number; lat: number[] }) =>
  console.log(`${name.padEnd(52)} ${r.perSecond.toFixed(1).padStart(8)} req/s   p50 ${pct(r.lat, 50).toFixed(1).padStart(7)} ms   p99 ${pct(r.lat, 99).toFixed(1).padStart(7)} ms   (${r.lat.length} requests)`);

const stack = await startBenchStack({ keep: argv.includes('--keep') });
try {
  const bundlePath = path.join(stack.dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })).code);
  const config = stack.config({ WORKFLOW_BUNDLE_PATH: bundlePath });
  // --cache N: the worker's workflow cache (temporal.yaml's 2,000 by default). A claim on a task
  // that is not cached replays its history first — what a claim days after the push meets.
  const cache = argValue(argv, '--cache');
  if (cache) config.temporal.worker.maxCachedWorkflows = cache;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const database = createDatabase(stack.databaseUrl, { max: config.env.DATABASE_POOL_MAX });
  const worker = await createWorker(config, database, native, client);
  const running = worker.run();
  const sql = postgres(stack.databaseUrl, { max: config.env.DATABASE_POOL_MAX, onnotice: () => {} }); // as many connections as the API has

  // ── N open tasks ──
  const prefix = `BA${process.pid}`;
  const tp = performance.now();
  await insertBenchCases(sql, { prefix, n: N, itemCode: 'SP-FOOD-01', regionCode: '320700', approvalDepartment: DEMO.approvalDepartment, creditTag: 'BA', namePrefix: '企业' });
  const taskIdOf = (g: number) => `task-${prefix}-${g}-${DEMO.market}`;
  await pool(N, 50, async (g) => {
    const input: SupervisionTaskInput = {
      taskId: taskIdOf(g),
      applicationNo: `${prefix}-${g}`,
      caseWorkflowId: `case-${prefix}-${g}`,
      departmentCode: DEMO.market,
      divisionCode: DEMO.marketFoodDivision,
      supervisionItemCode: 'JG-FOOD-01',
      dossierId: g,
      creditCode: `91320700BA${String(g).padStart(8, '0')}`,
      applicantName: `企业${g}`,
      itemCode: 'SP-FOOD-01',
      itemName: '食品经营许可',
      regionCode: '320700',
    };
    await client.workflow.start('supervisionTask', { taskQueue: config.temporal.taskQueue, workflowId: input.taskId, args: [input], searchAttributes: { SgStage: ['awaiting-claim'] } });
  });
  // At rest: every task pushed and its SMS to the division admin sent (the last activity
  // before the claim wait). Measuring earlier raced the inbox against the tail of the pushes.
  for (;;) {
    const [r] = await sql<Array<{ n: number }>>`select count(*)::int as n from notifications where business_key like ${`task-${prefix}-%:claim-notice`} and status = 'sent'`;
    if (r!.n >= N) break;
    await sleep(250);
  }
  await sleep(2_000); // the workflow tasks that follow the last SMS
  await sql.unsafe('vacuum analyze tasks');
  console.log(`[bench] ${N.toLocaleString('en')} open tasks pushed in ${((performance.now() - tp) / 1000).toFixed(1)} s`);

  // ── the API on a free port ──
  const app = await buildApp({ config, database, temporal: client, verifier: await createVerifier(config) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const principal = { sub: 'bench:food', role: 'supervision' as const, department: DEMO.market, division: DEMO.marketFoodDivision };
  const token = await signDevToken(config, principal);
  const actor: Actor = { sub: principal.sub, role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision };
  const finishedAt = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const viaApi = (i: number) => taskIdOf(i);
  const viaClient = (i: number) => taskIdOf(ACTED + i);
  const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  const inboxCpu = cpuSplit(stack);
  const inboxApi = await measureHttp(base, token, times(READS, () => ({ method: 'GET' as const, url: '/v1/tasks?status=awaiting-claim&limit=50' })));
  const used = inboxCpu();
  const inboxSql = await measure(READS, async () => {
    await sql`select * from tasks where department_code = ${DEMO.market} and division_code = ${DEMO.marketFoodDivision} and status = 'awaiting-claim' order by pushed_at desc, task_id limit 50`;
  });
  const claimCpu = cpuSplit(stack);
  const claimApi = await measureHttp(base, token, times(ACTED, (i) => ({ method: 'POST' as const, url: `/v1/tasks/${viaApi(i)}/claim` })));
  const claimUsed = claimCpu();
  const claimCl = await measure(ACTED, async (i) => void (await client.workflow.getHandle(viaClient(i)).executeUpdate(claimUpdate, { args: [{ actor }] })));
  const inspApi = await measureHttp(base, token, times(ACTED, (i) => ({ method: 'POST' as const, url: `/v1/tasks/${viaApi(i)}/inspection`, body: { finishedAt: finishedAt(), findings: '现场检查符合要求' } })));
  const inspCl = await measure(ACTED, async (i) => void (await client.workflow.getHandle(viaClient(i)).executeUpdate(inspectionUpdate, { args: [{ actor, finishedAt: finishedAt(), findings: '现场检查符合要求' }] })));
  const fbApi = await measureHttp(base, token, times(ACTED, (i) => ({ method: 'POST' as const, url: `/v1/tasks/${viaApi(i)}/feedback`, body: { result: 'compliant', note: '符合要求' } })));
  const fbCl = await measure(ACTED, async (i) => void (await client.workflow.getHandle(viaClient(i)).executeUpdate(feedbackUpdate, { args: [{ actor, result: 'compliant', note: '符合要求' }] })));

  // ── the floor: bare workflows on the same server, no HTTP, no read model, no search attributes ──
  // bareTask with a shape of no activity tasks; its claim handler runs one local INSERT (as ours
  // records), its inspection handler nothing. Started just before, so their 3-minute wait for a
  // claim has not run out.
  await sql`create table if not exists bench_bare (id bigserial primary key, key text not null, at timestamptz not null default now())`;
  const bareQueue = `bench-api-bare-${process.pid}`;
  const bare = await bundleWorkflowCode({ workflowsPath: path.join(path.dirname(new URL(import.meta.url).pathname), 'bare-workflows.ts'), logger: new DefaultLogger('WARN') });
  const bareWorker = await Worker.create({
    connection: native,
    taskQueue: bareQueue,
    workflowBundle: { code: bare.code },
    activities: { bareInsert: async (key: string) => void (await sql`insert into bench_bare (key) values (${key})`) },
  });
  const bareRunning = bareWorker.run();
  const shape: Shape = { pre: 0, mid: 0, post: 0, open: 0, claim: 0, inspection: 0, feedback: 0, claimLocal: 1 };
  const bareId = (i: number) => `bare-api-${prefix}-${i}`;
  await pool(ACTED, 50, async (i) => void (await client.workflow.start('bareTask', { taskQueue: bareQueue, workflowId: bareId(i), args: [bareId(i), shape] })));
  // At rest: each one's first workflow task done (started, its timer set).
  await pool(ACTED, 20, async (i) => {
    while ((await client.workflow.getHandle(bareId(i)).describe()).historyLength < 4) await sleep(100);
  });
  const floorCpu = cpuSplit(stack);
  const floorLocal = await measure(ACTED, async (i) => void (await client.workflow.getHandle(bareId(i)).executeUpdate(bareClaim)));
  const floorUsed = floorCpu();
  const floorNoop = await measure(ACTED, async (i) => void (await client.workflow.getHandle(bareId(i)).executeUpdate(bareInspection)));
  await pool(ACTED, 50, async (i) => void (await client.workflow.getHandle(bareId(i)).terminate('bench done')));
  bareWorker.shutdown();
  await bareRunning;

  console.log(`\nAPI under load, ${quick ? 'quick' : 'full'} run: ${N.toLocaleString('en')} open tasks, concurrency ${CONCURRENCY}, HTTP on 127.0.0.1 from a load generator in its own process (API, worker, Temporal and PostgreSQL share the other CPU time)`);
  line('GET /v1/tasks (inbox, limit 50)', inboxApi);
  line('  baseline: the inbox query, bare SQL', inboxSql);
  const ms = (x: number) => ((x * 1000) / READS).toFixed(2);
  console.log(`  CPU ms per inbox read: API process (API + worker) ${ms(used.node)}   PostgreSQL ${ms(used.postgres)}   Temporal ${ms(used.temporal)}   load generator and the rest ${ms(used.machine - used.node - used.postgres - used.temporal)}   machine ${ms(used.machine)}`);
  line('POST /v1/tasks/:id/claim', claimApi);
  line('  baseline: claim Update via the Temporal client', claimCl);
  line('  floor: bare Update, one local INSERT', floorLocal);
  line('  floor: bare Update, no-op', floorNoop);
  const perUpdate = (c: CpuSplit) => {
    const m = (x: number) => ((x * 1000) / ACTED).toFixed(2);
    return `API process ${m(c.node)}   Temporal ${m(c.temporal)}   PostgreSQL ${m(c.postgres)}   machine ${m(c.machine)}`;
  };
  console.log(`  CPU ms per claim: ${perUpdate(claimUsed)}; per bare Update with a local INSERT: ${perUpdate(floorUsed)}`);
  line('POST /v1/tasks/:id/inspection', inspApi);
  line('  baseline: inspection Update via the Temporal client', inspCl);
  line('POST /v1/tasks/:id/feedback', fbApi);
  line('  baseline: feedback Update via the Temporal client', fbCl);
  const ratio = (a: { lat: number[] }, b: { lat: number[] }) => (pct(a.lat, 50) / pct(b.lat, 50)).toFixed(2);
  console.log(`ratio API/baseline p50: inbox ${ratio(inboxApi, inboxSql)}   claim ${ratio(claimApi, claimCl)}   inspection ${ratio(inspApi, inspCl)}   feedback ${ratio(fbApi, fbCl)}`);

  await app.close();
  worker.shutdown();
  await running;
  await sql.end({ timeout: 5 });
  await database.close();
  await connection.close();
  await native.close();
} finally {
  await stack.stop();
}
