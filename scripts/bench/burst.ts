// npm run bench:burst [-- --quick] [-- --engine dev|cluster] [-- --tasks N] [-- --cache N]
// A deadline burst: N open supervision tasks (default 10,000, quick 300; real supervisionTask
// workflows, real activities) started as the push starts them, each with the training policy's
// 3-minute claim window opened 3 minutes before one shared instant. Measures the time until
// every claim-overdue event is recorded, the deadline lag (audit `at` − claimDueAt), this
// process's RSS and CPU (worker, client and pollers), the server's and PostgreSQL's CPU; then the
// same for N bare timers (sleep until an instant, then one INSERT) in the same run, on the same
// server of the engine (`--engine`).
import { performance } from 'node:perf_hooks';
import { DEMO } from '../seed.js';
import { cpuSplit } from './cpu.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, countOf, pct, pool, sleep, startBareWorker, startBenchStack, startBenchTasks, startOurWorker, type BenchStack, type Temporal } from './stack.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 300 : 10_000);
const cache = argValue(argv, '--cache');
const CLAIM_WINDOW_MS = 3 * 60_000; // the training policy
/** How far ahead the shared instant lies: N starts (and for ours, pushes) must be done by then. */
const lead = (perTaskMs: number) => Date.now() + Math.max(quick ? 12_000 : 20_000, N * perTaskMs + 10_000);

/** A side's figures: its starts, its lags (ms), and what `drain` measured. */
type Figures = { name: string; startSeconds: number; readyBeforeDueS: number; lags: number[] } & Awaited<ReturnType<typeof drain>>;

/** From 2 s before `dueAt` until `recorded()` reaches N: this process's RSS (sampled) and CPU, the servers' CPU (cpu.ts), and when the last was recorded. */
async function drain(stack: BenchStack, dueAt: number, recorded: () => Promise<number>) {
  await sleep(Math.max(0, dueAt - Date.now() - 2000));
  let peak = process.memoryUsage().rss;
  const rssBeforeMiB = peak / 2 ** 20;
  const r0 = process.resourceUsage();
  const t0 = performance.now();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const server = cpuSplit(stack);
  while ((await recorded()) < N) await sleep(100);
  const doneAfterDueS = (Date.now() - dueAt) / 1000;
  clearInterval(timer);
  const r1 = process.resourceUsage();
  const cpuS = (r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1e6;
  return { doneAfterDueS, rssBeforeMiB, peakRssMiB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20, cpuS, wallS: (performance.now() - t0) / 1000, server: server() };
}

async function runOurs(stack: BenchStack, t: Temporal): Promise<Figures> {
  const prefix = `BU${process.pid}`;
  const taskQueue = `bench-burst-${process.pid}`;
  const ours = await startOurWorker(stack, t, { taskQueue, cache });
  const sql = ours.database.sql;
  const like = `task-${prefix}-%`;
  // Every task must be pushed (openTask done, its timer set) before the shared instant. On the
  // 2-core machine the dev server pushes ~40 tasks/s while it also starts them, the real server
  // ~8 (2026-12-03, loaded); the defaults leave room for 20 and 7 tasks/s.
  const dueAt = lead(argValue(argv, '--lead-ms-per-task') ?? (engine === 'cluster' ? 150 : 50));
  const t0 = performance.now();
  const batch = { prefix, n: N, itemCode: 'TR-FOOD-01', itemName: '食品经营许可（演练）', regionCode: DEMO.trainingRegion, creditTag: 'BU', taskQueue };
  const taskId = await startBenchTasks(ours.database, t.client, batch, () => new Date(dueAt - CLAIM_WINDOW_MS));
  const startSeconds = (performance.now() - t0) / 1000;
  let pushed = 0;
  while ((pushed = await countOf(sql`select count(*)::int as n from tasks where task_id like ${like}`)) < N) {
    if (Date.now() > dueAt) throw new Error(`only ${pushed} of ${N} tasks pushed by the shared deadline: raise --lead-ms-per-task`);
    await sleep(200);
  }
  console.log(`[bench] ${N} tasks started in ${startSeconds.toFixed(1)} s, all pushed (openTask done) after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const readyBeforeDueS = (dueAt - Date.now()) / 1000;
  const distinct = await countOf(sql`select count(distinct claim_due_at)::int as n from tasks where task_id like ${like}`);
  if (distinct !== 1) console.log(`[bench] WARNING: ${distinct} distinct claim deadlines (expected 1)`);
  const m = await drain(stack, dueAt, () => countOf(sql`select count(*)::int as n from audit_events where kind = 'claim-overdue' and task_id like ${like}`));
  const rows = await sql<Array<{ lag: number }>>`
    select extract(epoch from (a.at - t.claim_due_at)) * 1000 as lag
    from audit_events a join tasks t on t.task_id = a.task_id
    where a.kind = 'claim-overdue' and a.task_id like ${like}`;
  await ours.stop();
  // Each escalated task now waits for its urging time (10 minutes on the training policy): end
  // them, so none of their timers fires into the bare measurement.
  await pool(N, 50, (g) => t.client.workflow.getHandle(taskId(g)).terminate('benchmark done'));
  return { name: 'ours: supervisionTask escalations', startSeconds, readyBeforeDueS, lags: rows.map((r) => Number(r.lag)), ...m };
}

async function runBare(stack: BenchStack, t: Temporal): Promise<Figures> {
  const prefix = `BT${process.pid}`;
  const taskQueue = `bench-timer-${process.pid}`;
  const bare = await startBareWorker(stack, t, { taskQueue, cache });
  // Started at ~250/s on an idle, fast machine, each timer set by its first workflow task;
  // --bare-lead-ms-per-timer for a slower one (the run says when the starts overran the instant).
  const dueAt = lead(argValue(argv, '--bare-lead-ms-per-timer') ?? (engine === 'cluster' ? 20 : 8));
  const t0 = performance.now();
  await pool(N, 50, (g) => t.client.workflow.start('bareTimer', { taskQueue, workflowId: `bare-timer-${prefix}-${g}`, args: [`${prefix}-${g}`, dueAt] }));
  const startSeconds = (performance.now() - t0) / 1000;
  const readyBeforeDueS = (dueAt - Date.now()) / 1000;
  if (readyBeforeDueS < 0) console.log(`[bench] WARNING: the bare starts ended ${(-readyBeforeDueS).toFixed(1)} s after the shared instant, so the last timers were set late and their lag includes the start backlog: raise --bare-lead-ms-per-timer`);
  const m = await drain(stack, dueAt, () => countOf(bare.sql`select count(*)::int as n from bench_bare where key like ${`${prefix}-%`}`));
  const rows = await bare.sql<Array<{ lag: number }>>`select extract(epoch from (at - ${new Date(dueAt)}::timestamptz)) * 1000 as lag from bench_bare where key like ${`${prefix}-%`}`;
  await bare.stop();
  return { name: 'bare: timer + one INSERT', startSeconds, readyBeforeDueS, lags: rows.map((r) => Number(r.lag)), ...m };
}

function report(ours: Figures, bare: Figures): void {
  console.log(`\ndeadline burst, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: ${N.toLocaleString('en')} claim deadlines at one instant (training policy), worker in-process, workflow cache ${cache ?? stack.config.temporal.worker.maxCachedWorkflows}`);
  for (const f of [ours, bare]) {
    const ms = (x: number) => x.toFixed(0).padStart(6);
    const share = (s: number) => `${((100 * s) / f.wallS).toFixed(0)}%`;
    console.log(`${f.name}: lag deciles (s) ${[10, 20, 30, 40, 50, 60, 70, 80, 90].map((p) => (pct(f.lags, p) / 1000).toFixed(0)).join(' ')}`);
    console.log(
      `${f.name.padEnd(36)} all recorded ${f.doneAfterDueS.toFixed(1).padStart(6)} s after the instant   lag p50 ${ms(pct(f.lags, 50))} ms   p99 ${ms(pct(f.lags, 99))} ms   max ${ms(Math.max(...f.lags))} ms   ` +
        `RSS ${f.rssBeforeMiB.toFixed(0)} → peak ${f.peakRssMiB.toFixed(0)} MiB   CPU ${f.cpuS.toFixed(1)} s over ${f.wallS.toFixed(1)} s (${share(f.cpuS)})   ` +
        `Temporal ${share(f.server.temporal)}, PostgreSQL ${share(f.server.postgres)}, machine ${share(f.server.machine)} of a core   [started in ${f.startSeconds.toFixed(1)} s, ready ${f.readyBeforeDueS.toFixed(1)} s before the instant]`,
    );
  }
  const ratio = (p: number) => (pct(ours.lags, p) / pct(bare.lags, p)).toFixed(2);
  console.log(`ratio ours/bare: time to all recorded ${(ours.doneAfterDueS / bare.doneAfterDueS).toFixed(2)}   lag p50 ${ratio(50)}   p99 ${ratio(99)}   CPU ${(ours.cpuS / bare.cpuS).toFixed(2)}`);
}

const stack = await startBenchStack(engine);
try {
  const t = await connectTemporal(stack);
  report(await runOurs(stack, t), await runBare(stack, t));
  await t.close();
} finally {
  await stack.stop();
}
