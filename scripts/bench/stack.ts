// What the Temporal benchmarks share: a throwaway stack under .data/bench/run-<pid> (PostgreSQL
// with fsync off, migrated and seeded; a Temporal dev server with production's search-attribute
// cache), both workflow bundles, our worker and the bare one, and bench tasks started as the
// push starts them. stop() tears the stack down and removes the directory; so does Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import postgres from 'postgres';
import { databaseCalendar } from '../../activities/calendar.js';
import { createDatabase, type Database } from '../../db/client.js';
import { runMigrations } from '../../db/migrate.js';
import { itemTerms, snapshotOf } from '../../db/policies.js';
import { loadConfig, projectRoot, type AppConfig } from '../../runtime/config.js';
import { createWorker, workflowsPath } from '../../runtime/worker.js';
import type { SupervisionTaskInput } from '../../workflows/contracts.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { DEMO, seedDemo } from '../seed.js';
import { findFreePort } from '../stack/proc.js';
import { startLocalPostgres, type LocalPostgres } from '../stack/postgres.js';
import { ensureTemporalCli, registerSearchAttributes, startDevServer, type DevServer } from '../stack/temporal.js';
import { devServerExtraArgs } from '../stack/stack.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const argValue = (argv: string[], name: string): number | undefined => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : undefined);
export const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** Runs fn(i) for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The Temporal core's log at WARN (a benchmark prints its own figures); once per process. */
function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
}

export interface BenchStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  /** For CPU accounting (cpu.ts). */
  temporalPid: number;
  postgresPid: number;
  /** The pre-built bundles of our workflows and of bare-workflows.ts. */
  bundles: { ours: string; bare: string };
  /** loadConfig with the stack's addresses and the given overrides. */
  config(overrides?: Record<string, string>): AppConfig;
  /** A new dev server on an empty database, so that each side of a pair starts from the same server state. */
  freshTemporal(): Promise<void>;
  stop(): Promise<void>;
}

const say = (msg: string) => console.log(`[bench] ${msg}`);

/**
 * The dev server re-reads its search attributes from SQLite on every use unless told otherwise
 * (a testing switch "not to be turned on in production"): a tax on using them that no cluster
 * charges (docs/benchmarks.md, "Measured evenly"). Registered at start-up, the cache has them
 * from the first read.
 */
const benchServerArgs = (searchAttributes: Record<string, string>) => [
  ...Object.entries(searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ...['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false'],
];

export async function startBenchStack(): Promise<BenchStack> {
  quietTemporalRuntime();
  const dir = path.join(projectRoot, '.data', 'bench', `run-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  let pg: LocalPostgres | undefined;
  let dev: DevServer | undefined;
  let servers = 0;
  const stop = async () => {
    await dev?.stop().catch((e: Error) => console.error(`[bench] temporal stop: ${e.message}`));
    await pg?.stop().catch((e: Error) => console.error(`[bench] postgres stop: ${e.message}`));
    [dev, pg] = [undefined, undefined];
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`[bench] ${sig}: tearing the stack down`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startTemporal = async () => {
    const cli = await ensureTemporalCli(projectRoot);
    const n = ++servers;
    const extraArgs = [...devServerExtraArgs(base.temporal.devServer), ...benchServerArgs(base.temporal.searchAttributes)];
    dev = await startDevServer({ cli, dataDir: path.join(dir, `temporal-${n}`), port: await findFreePort(), uiPort: await findFreePort(), namespace: 'default', logFile: path.join(dir, `temporal-${n}.log`), extraArgs });
    await registerSearchAttributes(cli, dev.address, 'default', base.temporal.searchAttributes);
  };
  const startPg = async () => {
    pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log'), dbNames: ['bench'], fast: true, settings: { max_connections: 200 } });
    await runMigrations(pg.url('bench'));
    await seedDemo(pg.url('bench'));
  };
  const parts = await Promise.allSettled([startPg(), startTemporal()]);
  const failed = parts.find((p) => p.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const databaseUrl = pg!.url('bench');
  say(`stack up: PostgreSQL ${databaseUrl}, Temporal ${dev!.address}`);
  return {
    dir,
    databaseUrl,
    get temporalAddress() {
      return dev!.address;
    },
    get temporalPid() {
      return dev!.pid;
    },
    postgresPid: pg!.pid,
    bundles: await writeBundles(dir),
    freshTemporal: async () => {
      await dev!.stop();
      await startTemporal();
    },
    config: (overrides = {}) =>
      loadConfig({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: dev!.address, TEMPORAL_NAMESPACE: 'default', JWT_DEV_KEY_FILE: path.join(dir, 'jwt.key'), RATE_LIMIT_MAX: '100000000', LOG_LEVEL: 'silent', ...overrides }),
    stop: async () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await stop();
    },
  };
}

async function writeBundles(dir: string): Promise<BenchStack['bundles']> {
  const t0 = performance.now();
  const bare = path.join(path.dirname(new URL(import.meta.url).pathname), 'bare-workflows.ts');
  const out = { ours: path.join(dir, 'ours-bundle.js'), bare: path.join(dir, 'bare-bundle.js') };
  const [o, b] = await Promise.all([workflowsPath, bare].map((p) => bundleWorkflowCode({ workflowsPath: p, logger: new DefaultLogger('WARN') })));
  fs.writeFileSync(out.ours, o!.code);
  fs.writeFileSync(out.bare, b!.code);
  say(`workflow bundles built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

// --- Temporal clients and workers ---------------------------------------------------------

export interface Temporal {
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

export async function connectTemporal(stack: BenchStack): Promise<Temporal> {
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  return { client: new Client({ connection, namespace: 'default' }), native, close: async () => void (await Promise.all([connection.close(), native.close()])) };
}

interface WorkerOptions {
  taskQueue: string;
  /** The worker's workflow cache (--cache); temporal.yaml's otherwise. */
  cache?: number;
  /** Its database connections; DATABASE_POOL_MAX's otherwise. */
  poolMax?: number;
}

/** Our worker (createWorker: the real activities, embedded adapters) on its own task queue. */
export async function startOurWorker(stack: BenchStack, t: Temporal, o: WorkerOptions & { onQuery?: (q: string) => void }) {
  const config = stack.config({ WORKFLOW_BUNDLE_PATH: stack.bundles.ours, TEMPORAL_TASK_QUEUE: o.taskQueue });
  if (o.cache) config.temporal.worker.maxCachedWorkflows = o.cache;
  const database = createDatabase(stack.databaseUrl, { max: o.poolMax ?? config.env.DATABASE_POOL_MAX, onQuery: o.onQuery });
  const worker = await createWorker(config, database, t.native, t.client);
  const running = worker.run();
  return { config, database, stop: async () => void (worker.shutdown(), await running, await database.close()) };
}

/** The bare workflows' worker, with temporal.yaml's worker settings: its one activity is an INSERT into bench_bare. */
export async function startBareWorker(stack: BenchStack, t: Temporal, o: WorkerOptions) {
  const config = stack.config();
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
  });
  const running = worker.run();
  return { sql, stop: async () => void (worker.shutdown(), await running, await sql.end({ timeout: 5 })) };
}

// --- bench tasks ----------------------------------------------------------------------------

export interface TaskBatch {
  prefix: string;
  n: number;
  itemCode: string;
  itemName: string;
  regionCode: string;
  /** Two letters in the applicants' credit codes: `91320700` + tag + the number on 8 digits. */
  creditTag: string;
  taskQueue: string;
}

/**
 * `n` supervisionTask workflows of DEMO's food division, started as the case's push starts them
 * (its search attributes, the claim window opened under the item's policy at `openedAt()`), under
 * `n` supervising cases inserted in one statement (the foreign keys of their rows and trail).
 * Answers the task id of number g.
 */
export async function startBenchTasks(database: Database, client: Client, b: TaskBatch, openedAt: () => Date): Promise<(g: number) => string> {
  await database.sql.unsafe(`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code,
                       applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by)
    select '${b.prefix}-' || g, 'case-${b.prefix}-' || g, '${b.itemCode}', 1, '${DEMO.approvalDepartment}', '${b.regionCode}',
           '91320700${b.creditTag}' || lpad(g::text, 8, '0'), '企业' || g, '13700000000', 'auto', 'h', 'supervising', 'bench'
    from generate_series(0, ${b.n - 1}) g`);
  const terms = await itemTerms(database.db, b.itemCode);
  const policy = snapshotOf(terms.policy);
  const calendar = await databaseCalendar(database.db).current(terms.calendarVersion);
  const taskId = (g: number) => `task-${b.prefix}-${g}-${DEMO.market}`;
  await pool(b.n, 50, async (g) => {
    const at = openedAt();
    const claimWindow = { openedAt: at.toISOString(), ...computeDeadline(calendar, policy, at, policy.claimWindow, policy.claimRemindBefore), policy };
    const creditCode = `91320700${b.creditTag}${String(g).padStart(8, '0')}`;
    const input: SupervisionTaskInput = {
      taskId: taskId(g),
      applicationNo: `${b.prefix}-${g}`,
      caseWorkflowId: `case-${b.prefix}-${g}`,
      departmentCode: DEMO.market,
      divisionCode: DEMO.marketFoodDivision,
      supervisionItemCode: 'JG-FOOD-01',
      dossierId: g,
      creditCode,
      applicantName: `企业${g}`,
      itemCode: b.itemCode,
      itemName: b.itemName,
      regionCode: b.regionCode,
      claimWindow,
    };
    const searchAttributes = {
      SgApplicationNo: [input.applicationNo],
      SgCreditCode: [creditCode],
      SgItemCode: [b.itemCode],
      SgRegion: [b.regionCode],
      SgDepartment: [DEMO.market],
      SgDivision: [DEMO.marketFoodDivision],
      SgStage: ['awaiting-claim'],
      SgDueAt: [new Date(claimWindow.dueAt)],
    };
    await client.workflow.start('supervisionTask', { taskQueue: b.taskQueue, workflowId: input.taskId, args: [input], searchAttributes });
  });
  return taskId;
}
