// What the Temporal benchmarks share: startStack with the bench's own Temporal options (a
// throwaway stack under .data/bench/run-<pid>: PostgreSQL with fsync off, migrated and seeded,
// and Temporal on the engine of `--engine`: a dev server with production's search-attribute
// cache, or the real server on that PostgreSQL), both workflow bundles,
// our worker and the bare one, and bench tasks started as the push starts them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import { databaseCalendar } from '../../activities/calendar.js';
import type { PreparedRequest } from '../../client/index.js';
import { createDatabase, type Database } from '../../db/client.js';
import { itemTerms, snapshotOf } from '../../db/policies.js';
import { loadConfig, projectRoot } from '../../runtime/config.js';
import { dataConverter, failureConverterPath } from '../../runtime/temporal.js';
import { createWorker, workflowsPath } from '../../runtime/worker.js';
import type { SupervisionTaskInput } from '../../workflows/contracts.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { DEMO } from '../seed.js';
import { startStack, type Stack } from '../stack/stack.js';
import { engineLabel, type Engine } from './engine.js';
import { SgApplicationNo, SgCreditCode, SgDepartment, SgDivision, SgItemCode, SgRegion, stageAttributes } from '../../workflows/domain/search-attributes.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const argValue = (argv: string[], name: string): number | undefined => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : undefined);
export const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** What a `select count(*)::int as n …` answers. */
export const countOf = async (q: PromiseLike<Array<{ n: number }>>): Promise<number> => (await q)[0]!.n;

/** Runs fn(i) for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/**
 * Sends `requests` (built by the typed client, client/index.ts `prepare`) to the API at `base`
 * from a load generator in its own process (http-driver.ts: autocannon, `concurrency` callers),
 * so that its CPU is not the API's: the whole in seconds, and each request's latency in ms.
 */
export async function driveHttp(base: string, token: string, concurrency: number, requests: PreparedRequest[]): Promise<{ seconds: number; lat: number[] }> {
  const driver = path.join(path.dirname(new URL(import.meta.url).pathname), 'http-driver.ts');
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), driver], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(JSON.stringify({ base, token, concurrency, requests }));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the load generator failed (exit ${code})`);
  return JSON.parse(out) as { seconds: number; lat: number[] };
}

/** `pool`, timed: the whole in seconds, and each call's latency in ms. */
export async function timedPool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<{ seconds: number; lat: number[] }> {
  const lat: number[] = [];
  const t0 = performance.now();
  await pool(n, concurrency, async (i) => {
    const t = performance.now();
    await fn(i);
    lat.push(performance.now() - t);
  });
  return { seconds: (performance.now() - t0) / 1000, lat };
}

/** The stack, its engine, and the pre-built bundles of our workflows (the stack's WORKFLOW_BUNDLE_PATH) and of bare-workflows.ts. */
export type BenchStack = Stack & { engine: Engine; bundles: { ours: string; bare: string } };

/**
 * The bench's stack on `engine` (`--engine`, engine.ts). Both engines get the search attributes
 * before anything starts and serve them from a cache, as a production cluster does: the dev
 * server through its start-up flags (below), the real server by the stack registering them on
 * its namespace and with its default `system.forceSearchAttributesCacheRefreshOnRead=false`
 * (no dynamic config file needed; docs/benchmarks.md, "Engines").
 */
export async function startBenchStack(engine: Engine = 'dev'): Promise<BenchStack> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') }); // a benchmark prints its own figures
  } catch {
    // installed already
  }
  const dir = path.join(projectRoot, '.data', 'bench', `run-${process.pid}`);
  const bundles = { ours: path.join(dir, 'ours-bundle.js'), bare: path.join(dir, 'bare-bundle.js') };
  const t0 = performance.now();
  const bare = path.join(path.dirname(new URL(import.meta.url).pathname), 'bare-workflows.ts');
  const [o, b] = await Promise.all([workflowsPath, bare].map((p) => bundleWorkflowCode({ workflowsPath: p, logger: new DefaultLogger('WARN'), failureConverterPath })));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(bundles.ours, o!.code);
  fs.writeFileSync(bundles.bare, b!.code);
  console.log(`[bench] workflow bundles built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${engineLabel(engine)}`);
  const searchAttributes = loadConfig(process.env).temporal.searchAttributes;
  const stack = await startStack({
    dir,
    name: 'bench',
    ephemeral: true,
    // Room for the real server's pools (persistence 8 + visibility 2 per service) beside the bench's.
    postgres: { database: 'bench', fast: true, settings: { max_connections: 200 } },
    migrate: true,
    seed: true,
    temporal:
      engine === 'cluster'
        ? { engine: 'cluster' }
        : {
            // The dev server re-reads its search attributes from SQLite on every use unless told
            // otherwise (a testing switch "not to be turned on in production"): a tax on using them
            // that no cluster charges (docs/benchmarks.md, "Measured evenly"). Given at start-up, the
            // cache has them from the first read.
            extraArgs: [
              ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
              ...['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false'],
            ],
          },
    env: { WORKFLOW_BUNDLE_PATH: bundles.ours, RATE_LIMIT_MAX: '100000000', LOG_LEVEL: 'silent' },
  });
  return Object.assign(stack, { engine, bundles });
}

// --- Temporal clients and workers ---------------------------------------------------------

export type Temporal = Awaited<ReturnType<typeof connectTemporal>>;

export async function connectTemporal(stack: Stack) {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  // Payloads encrypted as the product's are (runtime/codec.ts); the bare worker decrypts too, so
  // both sides carry the codec and the ratio is what our orchestration adds on top of it.
  return { client: new Client({ connection, namespace: 'default', dataConverter: dataConverter(stack.config) }), native, close: async () => void (await Promise.all([connection.close(), native.close()])) };
}

/** A worker's task queue, its workflow cache (--cache; else temporal.yaml's) and its database connections (else DATABASE_POOL_MAX). */
type WorkerOptions = { taskQueue: string; cache?: number; poolMax?: number };

/** Our worker (createWorker: the real activities, embedded adapters) on its own task queue. */
export async function startOurWorker(stack: BenchStack, t: Temporal, o: WorkerOptions & { onQuery?: (q: string) => void }) {
  const config = loadConfig({ ...stack.env, TEMPORAL_TASK_QUEUE: o.taskQueue });
  if (o.cache) config.temporal.worker.maxCachedWorkflows = o.cache;
  const database = createDatabase(stack.databaseUrl, { max: o.poolMax ?? config.env.DATABASE_POOL_MAX, onQuery: o.onQuery });
  const worker = await createWorker(config, database, t.native, t.client);
  const running = worker.run();
  return { config, database, stop: async () => { worker.shutdown(); await running; await database.close(); } };
}

/** The bare workflows' worker, with temporal.yaml's worker settings: its one activity is an INSERT into bench_bare. */
export async function startBareWorker(stack: BenchStack, t: Temporal, o: WorkerOptions) {
  const config = stack.config;
  const sql = postgres(stack.databaseUrl, { max: o.poolMax ?? config.env.DATABASE_POOL_MAX, onnotice: () => {} });
  await sql`create table if not exists bench_bare (id bigserial primary key, key text not null, at timestamptz not null default now())`;
  await sql`create index if not exists bench_bare_key on bench_bare (key)`;
  const w = config.temporal.worker;
  const worker = await Worker.create({
    connection: t.native,
    taskQueue: o.taskQueue,
    workflowBundle: { codePath: stack.bundles.bare },
    activities: { bareInsert: async (key: string) => void (await sql`insert into bench_bare (key) values (${key})`) },
    maxCachedWorkflows: o.cache ?? w.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: w.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: w.maxConcurrentWorkflowTaskExecutions,
    dataConverter: dataConverter(config),
  });
  const running = worker.run();
  return { sql, stop: async () => { worker.shutdown(); await running; await sql.end({ timeout: 5 }); } };
}

// --- bench tasks ----------------------------------------------------------------------------

/** `creditTag`: two letters in the applicants' credit codes, `91320700` + tag + the number on 8 digits. */
export type TaskBatch = { prefix: string; n: number; itemCode: string; itemName: string; regionCode: string; creditTag: string; taskQueue: string };

/** The food departments of a batch: the rehearsal region's own for a rehearsal item (培训演练 apart). */
const foodSide = (b: TaskBatch) =>
  b.regionCode === DEMO.trainingRegion
    ? { approval: DEMO.training.approvalDepartment, market: DEMO.training.market, division: DEMO.training.marketFoodDivision, item: 'TR-JG-FOOD-01' }
    : { approval: DEMO.approvalDepartment, market: DEMO.market, division: DEMO.marketFoodDivision, item: 'JG-FOOD-01' };

/**
 * `n` supervisionTask workflows of DEMO's food division, started as the case's push starts them
 * (its search attributes, the claim window opened under the item's policy at `openedAt()`), under
 * `n` supervising cases inserted in one statement (the foreign keys of their rows and trail).
 * Answers the task id of number g.
 */
export async function startBenchTasks(database: Database, client: Client, b: TaskBatch, openedAt: () => Date): Promise<(g: number) => string> {
  const side = foodSide(b);
  await database.sql.unsafe(`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code,
                       applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by)
    select '${b.prefix}-' || g, 'case-${b.prefix}-' || g, '${b.itemCode}', 1, '${side.approval}', '${b.regionCode}',
           '91320700${b.creditTag}' || lpad(g::text, 8, '0'), '企业' || g, '13700000000', 'auto', 'h', 'supervising', 'bench'
    from generate_series(0, ${b.n - 1}) g`);
  const terms = await itemTerms(database.db, b.itemCode);
  const policy = snapshotOf(terms.policy);
  const calendar = await databaseCalendar(database.db).current(terms.regionCode, terms.calendarVersion);
  const taskId = (g: number) => `task-${b.prefix}-${g}.${side.market}`;
  await pool(b.n, 50, async (g) => {
    const at = openedAt();
    const claimWindow = { openedAt: at.toISOString(), ...computeDeadline(calendar, policy, at, policy.claimWindow, policy.claimRemindBefore), policy };
    const [no, creditCode] = [`${b.prefix}-${g}`, `91320700${b.creditTag}${String(g).padStart(8, '0')}`];
    const input: SupervisionTaskInput = {
      taskId: taskId(g), origin: { kind: 'approval', no, workflowId: `case-${no}`, dossierId: g }, creditCode, applicantName: `企业${g}`, claimWindow,
      departmentCode: side.market, divisionCode: side.division, supervisionItemCode: side.item, itemCode: b.itemCode, itemName: b.itemName, regionCode: b.regionCode,
    };
    const typedSearchAttributes = [
      { key: SgApplicationNo, value: no }, { key: SgCreditCode, value: creditCode }, { key: SgItemCode, value: b.itemCode }, { key: SgRegion, value: b.regionCode },
      { key: SgDepartment, value: side.market }, { key: SgDivision, value: side.division }, ...stageAttributes('awaiting-claim', claimWindow.dueAt),
    ];
    await client.workflow.start('supervisionTask', { taskQueue: b.taskQueue, workflowId: input.taskId, args: [input], typedSearchAttributes });
  });
  return taskId;
}
