// npm run bench:growth [-- --quick] [-- --engine dev|cluster] [-- --sizes 10000,50000,100000] [-- --claims N]
// Growth: the open tasks grow in steps (default 10,000, 50,000, 100,000; quick 100, 300; real
// supervisionTask workflows started as the push starts them, each at rest after its SMS to the
// division admin), and at each size: claim p50/p99 through the API in-process (app.inject: auth,
// zod, the Update; 20 callers, on tasks of the first batch — pushed longest ago, the ones the
// worker's cache has let go of), this process's RSS (the worker and the API), PostgreSQL bytes
// per open task (the product's database, from pg_database_size), Temporal's storage per open
// task (the dev server's SQLite file, the cluster's two databases), and history events per task
// (a sample, from describe). Each column is also given ÷ its value at the first size: cost per
// task is flat when the bytes, events and RSS per task stay at ~1.0 (the timing on a loaded
// machine moves with the machine).
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../api/app.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import type { Actor } from '../../workflows/contracts.js';
import { DEMO } from '../seed.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, countOf, pct, pool, sleep, startBenchStack, startBenchTasks, startOurWorker, timedPool } from './stack.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const sizes = argv.includes('--sizes') ? argv[argv.indexOf('--sizes') + 1]!.split(',').map(Number) : quick ? [100, 300] : [10_000, 50_000, 100_000];
const CLAIMS = argValue(argv, '--claims') ?? (quick ? 20 : 200);
const SAMPLE = quick ? 10 : 50;

const stack = await startBenchStack(engine);
try {
  const t = await connectTemporal(stack);
  const ours = await startOurWorker(stack, t, { taskQueue: `bench-growth-${process.pid}` });
  const { config, database } = ours;
  const app = await buildApp({ config, database, temporal: t.client, verifier: await createVerifier(config) });
  const actor = { sub: 'bench:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision } satisfies Actor;
  const token = await signDevToken(config, actor);
  const sqlite = path.join(stack.dir, 'temporal', 'temporal.sqlite');
  const temporalBytes = async () =>
    engine === 'cluster'
      ? countOf(database.sql`select (pg_database_size('temporal') + pg_database_size('temporal_visibility'))::bigint::float8 as n`)
      : ['', '-wal'].reduce((n, s) => n + (fs.existsSync(sqlite + s) ? fs.statSync(sqlite + s).size : 0), 0);
  const productBytes = () => countOf(database.sql`select pg_database_size(current_database())::float8 as n`);
  const [pg0, tp0] = [await productBytes(), await temporalBytes()];
  type Row = { size: number; pushS: number; claimP50: number; claimP99: number; rssMiB: number; pgPerTask: number; temporalPerTask: number; eventsPerTask: number };
  const rows: Row[] = [];
  const batches: Array<{ id: (g: number) => string; n: number }> = [];
  let open = 0;
  let claimed = 0; // of the first batch, in order: each claim meets a task not claimed before
  console.log(`growth, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: sizes ${sizes.map((s) => s.toLocaleString('en')).join(', ')}; ${CLAIMS} claims at 20 callers per size`);
  for (const size of sizes) {
    const n = size - open;
    const prefix = `BG${process.pid}s${batches.length}`;
    const t0 = Date.now();
    batches.push({ n, id: await startBenchTasks(database, t.client, { prefix, n, itemCode: 'SP-FOOD-01', itemName: '食品经营许可', regionCode: '320700', creditTag: 'BG', taskQueue: config.temporal.taskQueue }, () => new Date()) });
    const sent = () => countOf(database.sql`select count(*)::int as n from notifications where business_key like ${`task-${prefix}-%:claim-notice`} and status = 'sent'`);
    while ((await sent()) < n) await sleep(500);
    await sleep(2_000); // the workflow tasks after the last SMS
    const pushS = (Date.now() - t0) / 1000;
    open = size;
    await database.sql.unsafe('vacuum analyze');
    const first = batches[0]!.id;
    const claims = await timedPool(CLAIMS, 20, async () => {
      const r = await app.inject({ method: 'POST', url: `/v1/tasks/${encodeURIComponent(first(claimed++))}/claim`, headers: { authorization: `Bearer ${token}` } });
      if (r.statusCode !== 200) throw new Error(`claim: ${r.statusCode} ${r.body.slice(0, 200)}`);
    });
    const events: number[] = [];
    await pool(SAMPLE, 10, async (i) => {
      const b = batches[i % batches.length]!; // spread over every batch, old and new
      events.push((await t.client.workflow.getHandle(b.id(Math.floor((i / SAMPLE) * b.n))).describe()).historyLength);
    });
    (globalThis as { gc?: () => void }).gc?.();
    rows.push({
      size, pushS, claimP50: pct(claims.lat, 50), claimP99: pct(claims.lat, 99), rssMiB: process.memoryUsage().rss / 2 ** 20,
      pgPerTask: ((await productBytes()) - pg0) / size, temporalPerTask: ((await temporalBytes()) - tp0) / size, eventsPerTask: events.reduce((a, b) => a + b, 0) / events.length,
    });
    const r = rows.at(-1)!;
    console.log(`[bench] ${size.toLocaleString('en')} open tasks (${n.toLocaleString('en')} pushed in ${pushS.toFixed(0)} s); claim p99 ${r.claimP99.toFixed(0)} ms`);
  }
  const base = rows[0]!;
  const cell = (v: number, b: number, digits = 0) => `${v.toLocaleString('en', { maximumFractionDigits: digits })} (${(v / b).toFixed(2)})`;
  console.log(`\n| open tasks | claim p50 / p99, ms (loaded machine) | worker+API RSS, MiB | PostgreSQL bytes per task | Temporal bytes per task | history events per task |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const r of rows) {
    console.log(`| ${r.size.toLocaleString('en')} | ${r.claimP50.toFixed(0)} / ${cell(r.claimP99, base.claimP99)} | ${cell(r.rssMiB, base.rssMiB)} | ${cell(r.pgPerTask, base.pgPerTask)} | ${cell(r.temporalPerTask, base.temporalPerTask)} | ${cell(r.eventsPerTask, base.eventsPerTask, 1)} |`);
  }
  console.log(`(each figure ÷ its value at ${base.size.toLocaleString('en')} in brackets; RSS is of the whole process: worker, API, client)`);
  await app.close();
  await ours.stop();
  await t.close();
} finally {
  await stack.stop();
}
