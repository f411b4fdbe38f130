// npm run bench:burst [-- --quick] [-- --tasks N]
// A deadline burst: N open supervision tasks (default 10,000, quick 300) whose claim deadlines
// fall on the same instant. Real supervisionTask workflows with the real activities
// (createWorker's activities, embedded adapters), started directly with the client on a
// private task queue. The only thing changed is the activities' clock while the tasks are
// pushed: pinned to (due − 3 min), so the training policy's 3-minute claim window ends at the
// same instant for every task (its reminder, 1 min before, then lies in the past and is
// skipped); from then on the clock is the real one, so escalations carry their real time.
// Measures: time until every claim-overdue audit event is recorded, the deadline lag
// (audit `at` − claimDueAt: p50/p99/max), the worker's RSS and CPU (in-process: the worker,
// the client and the pollers share this process). Then the same for N bare timers (sleep until
// the same kind of instant, then one INSERT activity) in the same run.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import { createActivities } from '../../activities/index.js';
import { createDatabase } from '../../db/client.js';
import { productionDeps, redactingActivityInterceptors, workflowsPath } from '../../runtime/worker.js';
import type { SupervisionTaskInput } from '../../workflows/contracts.js';
import { DEMO } from '../seed.js';
import { argValue, cpuSplit, devConfigArgs, insertBenchCases, pct, pool, quietTemporalRuntime, sleep, startBenchStack, type CpuSplit } from './stack.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 300 : 10_000);
const START_CONCURRENCY = 50;
const CLAIM_WINDOW_MS = 3 * 60_000; // the training policy

quietTemporalRuntime();

interface Figures {
  name: string;
  startSeconds: number;
  pushedBeforeDueS: number;
  doneAfterDueS: number;
  lags: number[];
  peakRssMiB: number;
  rssBeforeMiB: number;
  cpuS: number;
  wallS: number;
  /** CPU seconds of the Temporal server and PostgreSQL over the same span. */
  server: CpuSplit;
}

/** Samples RSS and CPU from `from` until stop(). */
function meter() {
  let peak = process.memoryUsage().rss;
  const before = peak;
  const r0 = process.resourceUsage();
  const t0 = performance.now();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return () => {
    clearInterval(timer);
    const r1 = process.resourceUsage();
    return { peakRssMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, rssBeforeMiB: before / 2 ** 20, cpuS: (r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1e6, wallS: (performance.now() - t0) / 1000 };
  };
}

const only = argv.includes('--ours-only') ? 'ours' : argv.includes('--bare-only') ? 'bare' : null;
const stack = await startBenchStack({ keep: argv.includes('--keep'), devServerArgs: devConfigArgs(argv) });
try {
  const config = stack.config();
  const t = config.temporal.worker;
  const workerOptionsCache = argValue(argv, '--cache') ?? t.maxCachedWorkflows;
  const workerOptions = { maxCachedWorkflows: workerOptionsCache, maxConcurrentActivityTaskExecutions: t.maxConcurrentActivityTaskExecutions, maxConcurrentWorkflowTaskExecutions: t.maxConcurrentWorkflowTaskExecutions };
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const sql = postgres(stack.databaseUrl, { max: 5, onnotice: () => {} });
  const tb = performance.now();
  const [ours, bare] = await Promise.all([
    bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
    bundleWorkflowCode({ workflowsPath: path.join(path.dirname(new URL(import.meta.url).pathname), 'bare-workflows.ts'), logger: new DefaultLogger('WARN') }),
  ]);
  console.log(`[bench] workflow bundles built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);

  // Time to start N workflows is what sets how far ahead the shared deadline must lie.
  const lead = (perTaskMs: number) => Math.max(quick ? 12_000 : 20_000, N * perTaskMs + 10_000);

  // ── ours: supervisionTask with the real activities ──
  const oursFigures = only === 'bare' ? null : await (async (): Promise<Figures> => {
    const prefix = `BU${process.pid}`;
    // The cases the tasks belong to (foreign keys of tasks and the audit trail).
    await insertBenchCases(sql, { prefix, n: N, itemCode: 'TR-FOOD-01', regionCode: DEMO.trainingRegion, approvalDepartment: DEMO.approvalDepartment, creditTag: 'BU', namePrefix: '演练企业' });
    // Every task must be pushed (openTask done, its timer set) before the shared instant. On the
    // 2-core machine the dev server pushes ~40 tasks/s while it also starts them; the default
    // leaves room for 20 tasks/s (--lead-ms-per-task to change it).
    const dueAt = Date.now() + lead(argValue(argv, '--lead-ms-per-task') ?? 50);
    const pinned = new Date(dueAt - CLAIM_WINDOW_MS);
    let pushing = true;
    const database = createDatabase(stack.databaseUrl, { max: config.env.DATABASE_POOL_MAX });
    const deps = productionDeps(database, client, config);
    const taskQueue = `bench-burst-${process.pid}`;
    const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { code: ours.code }, activities: createActivities({ ...deps, clock: () => (pushing ? pinned : new Date()) }), interceptors: { activity: [redactingActivityInterceptors] }, ...workerOptions });
    const running = worker.run();
    const t0 = performance.now();
    await pool(N, START_CONCURRENCY, async (g) => {
      const taskId = `task-${prefix}-${g}-${DEMO.market}`;
      const input: SupervisionTaskInput = {
        taskId,
        applicationNo: `${prefix}-${g}`,
        caseWorkflowId: `case-${prefix}-${g}`,
        departmentCode: DEMO.market,
        divisionCode: DEMO.marketFoodDivision,
        supervisionItemCode: 'JG-FOOD-01',
        dossierId: g,
        creditCode: `91320700BU${String(g).padStart(8, '0')}`,
        applicantName: `演练企业${g}`,
        itemCode: 'TR-FOOD-01',
        itemName: '食品经营许可（演练）',
        regionCode: DEMO.trainingRegion,
      };
      await client.workflow.start('supervisionTask', { taskQueue, workflowId: taskId, args: [input], searchAttributes: { SgStage: ['awaiting-claim'] } });
    });
    const startSeconds = (performance.now() - t0) / 1000;
    // Every task row (and its deadline) is stored once openTask has run for all of them.
    for (;;) {
      const [r] = await sql<Array<{ n: number }>>`select count(*)::int as n from tasks where task_id like ${`task-${prefix}-%`}`;
      if (r!.n >= N) break;
      if (Date.now() > dueAt) throw new Error(`only ${r!.n} of ${N} tasks pushed by the shared deadline: raise the lead`);
      await sleep(200);
    }
    pushing = false;
    const pushSeconds = (performance.now() - t0) / 1000;
    console.log(`[bench] ${N} tasks started in ${startSeconds.toFixed(1)} s, all pushed (openTask done) after ${pushSeconds.toFixed(1)} s`);
    const pushedBeforeDueS = (dueAt - Date.now()) / 1000;
    const [distinct] = await sql<Array<{ n: number }>>`select count(distinct claim_due_at)::int as n from tasks where task_id like ${`task-${prefix}-%`}`;
    if (distinct!.n !== 1) console.log(`[bench] WARNING: ${distinct!.n} distinct claim deadlines (expected 1)`);
    await sleep(Math.max(0, dueAt - Date.now() - 2000));
    const stop = meter();
    const serverCpu = cpuSplit(stack);
    for (;;) {
      const [r] = await sql<Array<{ n: number }>>`select count(*)::int as n from audit_events where kind = 'claim-overdue' and task_id like ${`task-${prefix}-%`}`;
      if (r!.n >= N) break;
      await sleep(100);
    }
    const doneAfterDueS = (Date.now() - dueAt) / 1000;
    const m = stop();
    const server = serverCpu();
    const rows = await sql<Array<{ lag: number }>>`
      select extract(epoch from (a.at - t.claim_due_at)) * 1000 as lag
      from audit_events a join tasks t on t.task_id = a.task_id
      where a.kind = 'claim-overdue' and a.task_id like ${`task-${prefix}-%`}`;
    worker.shutdown();
    await running;
    await database.close();
    // Each escalated task now waits for its urging time (10 minutes on the training policy): end
    // them, so none of their timers fires into the bare measurement.
    const tEnd = performance.now();
    await pool(N, START_CONCURRENCY, async (g) => {
      await client.workflow.getHandle(`task-${prefix}-${g}-${DEMO.market}`).terminate('benchmark done');
    });
    console.log(`[bench] ${N} tasks terminated in ${((performance.now() - tEnd) / 1000).toFixed(1)} s`);
    return { name: 'ours: supervisionTask escalations', startSeconds, pushedBeforeDueS, doneAfterDueS, lags: rows.map((r) => Number(r.lag)), ...m, server };
  })();

  // ── bare: a timer to the same kind of instant, then one INSERT ──
  const bareFigures = only === 'ours' ? null : await (async (): Promise<Figures> => {
    const prefix = `BT${process.pid}`;
    await sql`create table if not exists bench_bare (id bigserial primary key, key text not null, at timestamptz not null default now())`;
    const ins = postgres(stack.databaseUrl, { max: config.env.DATABASE_POOL_MAX, onnotice: () => {} });
    const taskQueue = `bench-timer-${process.pid}`;
    const worker = await Worker.create({ connection: native, taskQueue, workflowBundle: { code: bare.code }, activities: { bareInsert: async (key: string) => void (await ins`insert into bench_bare (key) values (${key})`) }, ...workerOptions });
    const running = worker.run();
    // Started at ~250/s on an idle, fast machine, each timer set by its first workflow task;
    // --bare-lead-ms-per-timer for a slower one (the run says when the starts overran the instant).
    const dueAt = Date.now() + lead(argValue(argv, '--bare-lead-ms-per-timer') ?? 8);
    const t0 = performance.now();
    await pool(N, START_CONCURRENCY, async (g) => {
      await client.workflow.start(argv.includes('--bare-local') ? 'bareTimerLocal' : 'bareTimer', { taskQueue, workflowId: `bare-timer-${prefix}-${g}`, args: [`${prefix}-${g}`, dueAt] });
    });
    const startSeconds = (performance.now() - t0) / 1000;
    const pushedBeforeDueS = (dueAt - Date.now()) / 1000;
    if (pushedBeforeDueS < 0) console.log(`[bench] WARNING: the bare starts ended ${(-pushedBeforeDueS).toFixed(1)} s after the shared instant, so the last timers were set late and their lag includes the start backlog: raise --bare-lead-ms-per-timer`);
    await sleep(Math.max(0, dueAt - Date.now() - 2000));
    const stop = meter();
    const serverCpu = cpuSplit(stack);
    for (;;) {
      const [r] = await sql<Array<{ n: number }>>`select count(*)::int as n from bench_bare where key like ${`${prefix}-%`}`;
      if (r!.n >= N) break;
      await sleep(100);
    }
    const doneAfterDueS = (Date.now() - dueAt) / 1000;
    const m = stop();
    const server = serverCpu();
    const rows = await sql<Array<{ lag: number }>>`select extract(epoch from (at - ${new Date(dueAt)}::timestamptz)) * 1000 as lag from bench_bare where key like ${`${prefix}-%`}`;
    worker.shutdown();
    await running;
    await ins.end({ timeout: 5 });
    return { name: 'bare: timer + one INSERT', startSeconds, pushedBeforeDueS, doneAfterDueS, lags: rows.map((r) => Number(r.lag)), ...m, server };
  })();

  console.log(`\ndeadline burst, ${quick ? 'quick' : 'full'} run: ${N.toLocaleString('en')} claim deadlines at one instant (training policy), worker in-process, workflow cache ${workerOptionsCache} (temporal.yaml's worker settings otherwise)`);
  for (const f of [oursFigures, bareFigures]) {
    if (!f) continue;
    console.log(`${f.name}: lag deciles (s) ${[10, 20, 30, 40, 50, 60, 70, 80, 90].map((p) => (pct(f.lags, p) / 1000).toFixed(0)).join(' ')}`);
    console.log(
      `${f.name.padEnd(36)} all recorded ${f.doneAfterDueS.toFixed(1).padStart(6)} s after the instant   lag p50 ${pct(f.lags, 50).toFixed(0).padStart(6)} ms   p99 ${pct(f.lags, 99).toFixed(0).padStart(6)} ms   max ${Math.max(...f.lags).toFixed(0).padStart(6)} ms   ` +
        `RSS ${f.rssBeforeMiB.toFixed(0)} → peak ${f.peakRssMiB.toFixed(0)} MiB   CPU ${f.cpuS.toFixed(1)} s over ${f.wallS.toFixed(1)} s (${((100 * f.cpuS) / f.wallS).toFixed(0)}%)   Temporal ${((100 * f.server.temporal) / f.wallS).toFixed(0)}%, PostgreSQL ${((100 * f.server.postgres) / f.wallS).toFixed(0)}%, machine ${((100 * f.server.machine) / f.wallS).toFixed(0)}% of a core   [started in ${f.startSeconds.toFixed(1)} s, ready ${f.pushedBeforeDueS.toFixed(1)} s before the instant]`,
    );
  }
  if (oursFigures && bareFigures) console.log(
    `ratio ours/bare: time to all recorded ${(oursFigures.doneAfterDueS / bareFigures.doneAfterDueS).toFixed(2)}   lag p50 ${(pct(oursFigures.lags, 50) / pct(bareFigures.lags, 50)).toFixed(2)}   p99 ${(pct(oursFigures.lags, 99) / pct(bareFigures.lags, 99)).toFixed(2)}   CPU ${(oursFigures.cpuS / bareFigures.cpuS).toFixed(2)}`,
  );
  await sql.end({ timeout: 5 });
  await connection.close();
  await native.close();
} finally {
  await stack.stop();
}
