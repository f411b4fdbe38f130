// A throwaway stack for the benchmarks that need Temporal: under .data/bench/run-<pid>, a
// PostgreSQL (fsync off, free port) migrated and seeded, and a Temporal dev server (free
// ports, temporal.yaml's WAL pragmas, its search attributes registered). stop() tears both
// down and removes the directory; Ctrl-C / SIGTERM does the same before exiting.
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type postgres from 'postgres';
import { runMigrations } from '../../db/migrate.js';
import { loadConfig, projectRoot, type AppConfig } from '../../runtime/config.js';
import { seedDemo } from '../seed.js';
import { findFreePort } from '../stack/proc.js';
import { startLocalPostgres, type LocalPostgres } from '../stack/postgres.js';
import { ensureTemporalCli, registerSearchAttributes, startDevServer, type DevServer } from '../stack/temporal.js';
import { devServerExtraArgs, seconds } from '../stack/stack.js';

/** The Temporal core's log at WARN (a benchmark prints its own figures); once per process. */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `n` supervising cases `<prefix>-0` … `<prefix>-<n-1>` in the read model, in one statement: the
 * foreign keys of the tasks and audit events a benchmark creates under them. Credit codes are
 * `91320700` + `creditTag` (two letters) + the number on 8 digits.
 */
export async function insertBenchCases(sql: postgres.Sql, o: { prefix: string; n: number; itemCode: string; regionCode: string; approvalDepartment: string; creditTag: string; namePrefix: string }): Promise<void> {
  await sql.unsafe(`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code,
                       applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by)
    select '${o.prefix}-' || g, 'case-${o.prefix}-' || g, '${o.itemCode}', 1, '${o.approvalDepartment}', '${o.regionCode}',
           '91320700${o.creditTag}' || lpad(g::text, 8, '0'), '${o.namePrefix}' || g, '13700000000', 'auto', 'h', 'supervising', 'bench'
    from generate_series(0, ${o.n - 1}) g`);
}

export interface BenchStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The Temporal dev server's and the postmaster's pids (for CPU accounting). */
  temporalPid: number;
  postgresPid: number;
  /** loadConfig with the stack's addresses, a private task queue and the given overrides. */
  config(overrides?: Record<string, string>): AppConfig;
  /**
   * Replaces the Temporal dev server by a new one with an empty database (new address and pid),
   * so that two measurements side by side each start from the same server state: the dev
   * server's SQLite file grows with every history and makes later work dearer.
   */
  freshTemporal(): Promise<void>;
  /**
   * With `serverMetrics`: the dev server's Prometheus counters now, summed by metric and
   * operation (`service_requests|RespondWorkflowTaskCompleted`…), for deltas around a phase.
   */
  serverCounters(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

/** Prometheus text → counters summed by name and `operation` label (other labels dropped). */
export function sumCounters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([-+\d.eE]+|NaN|[+-]Inf)$/.exec(line);
    if (!m) continue;
    const op = /(?:^|,)operation="([^"]*)"/.exec(m[2] ?? '')?.[1];
    const key = op ? `${m[1]}|${op}` : m[1]!;
    out.set(key, (out.get(key) ?? 0) + Number(m[3]));
  }
  return out;
}

const say = (msg: string) => console.log(`[bench] ${msg}`);

/**
 * `--dev-config KEY=VALUE` (repeatable): dynamic-config values for the bench's own dev server,
 * for experiments on what bounds a figure (docs/benchmarks.md says which were tried).
 */
export const devConfigArgs = (argv: string[]): string[] =>
  argv.flatMap((a, i) => (a === '--dev-config' && argv[i + 1] ? ['--dynamic-config-value', argv[i + 1]!] : []));

export async function startBenchStack(opts: { keep?: boolean; devServerArgs?: string[]; serverMetrics?: boolean } = {}): Promise<BenchStack> {
  const dir = path.join(projectRoot, '.data', 'bench', `run-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  let pg: LocalPostgres | undefined;
  let dev: DevServer | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await dev?.stop().catch((e: Error) => console.error(`[bench] temporal stop: ${e.message}`));
    await pg?.stop().catch((e: Error) => console.error(`[bench] postgres stop: ${e.message}`));
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`[bench] ${sig}: tearing the stack down`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  let attempts = 0;
  let metricsPort: number | undefined;
  // The dev server refreshes its search-attribute cache from its database on every read — a
  // testing convenience ("should not be turned on in production"), which made each search
  // attribute on a start, an upsert or a visibility record a cluster-metadata read from SQLite
  // (docs/benchmarks.md). The bench's servers run with production's cache instead, both sides
  // alike; the search attributes are registered at start-up, so the cache has them from the
  // first read. A --dev-config of the same key wins.
  const devArgs = opts.devServerArgs ?? [];
  const saCacheKey = 'system.forceSearchAttributesCacheRefreshOnRead';
  const benchServerArgs = [
    ...Object.entries(base.temporal.searchAttributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...(devArgs.some((a) => a.startsWith(`${saCacheKey}=`)) ? [] : ['--dynamic-config-value', `${saCacheKey}=false`]),
    ...devArgs,
  ];
  const startTemporal = async () => {
    const cli = await ensureTemporalCli(projectRoot);
    // Several benchmarks start dev servers at once under `npm test`; a server that loses one
    // of its internal ports to another exits during set-up. Then start another, at most twice.
    for (let attempt = 1; ; attempt++) {
      attempts++;
      metricsPort = opts.serverMetrics ? await findFreePort() : undefined;
      const server = await startDevServer({
        cli,
        dataDir: path.join(dir, `temporal-${attempts}`),
        port: await findFreePort(),
        uiPort: await findFreePort(),
        namespace: 'default',
        logFile: path.join(dir, `temporal-${attempts}.log`),
        extraArgs: [...devServerExtraArgs(base.temporal.devServer), ...benchServerArgs, ...(metricsPort ? ['--metrics-port', String(metricsPort)] : [])],
      });
      dev = server;
      try {
        await registerSearchAttributes(cli, server.address, 'default', base.temporal.searchAttributes);
        return;
      } catch (e) {
        // The exit is noticed a moment after the port closes.
        const died = server.exited() ?? (await new Promise<Error | undefined>((r) => setTimeout(() => r(server.exited()), 1000)));
        await server.stop().catch(() => undefined);
        if (!died || attempt >= 3) throw died ? new Error(`${(e as Error).message}\n${died.message}`) : e;
        console.error(`[bench] the dev server exited during set-up (attempt ${attempt}); starting another:\n${died.message}`);
      }
    }
  };
  try {
    const startPg = async () => {
      pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log'), dbNames: ['bench'], fast: true, settings: { max_connections: 200 } });
      await runMigrations(pg.url('bench'));
      await seedDemo(pg.url('bench'));
    };
    const [a, b] = await Promise.allSettled([startPg(), startTemporal()]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  } catch (e) {
    await stop();
    throw e;
  }
  const databaseUrl = pg!.url('bench');
  say(`stack up in ${seconds(Date.now() - t0)}: PostgreSQL ${databaseUrl}, Temporal ${dev!.address}`);
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
    serverCounters: async () => {
      if (!metricsPort) throw new Error('serverCounters needs startBenchStack({ serverMetrics: true })');
      return sumCounters(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    },
    freshTemporal: async () => {
      const t1 = Date.now();
      await dev!.stop();
      await startTemporal();
      say(`fresh Temporal dev server in ${seconds(Date.now() - t1)}: ${dev!.address}`);
    },
    config: (overrides = {}) =>
      loadConfig({
        ...process.env,
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: dev!.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: `bench-${process.pid}`,
        JWT_DEV_KEY_FILE: path.join(dir, 'jwt.key'),
        RATE_LIMIT_MAX: '100000000',
        LOG_LEVEL: 'silent',
        ...overrides,
      }),
    stop: async () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await stop();
    },
  };
}

// --- small shared helpers ------------------------------------------------------------

export const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** Runs fn(i) for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  });
  await Promise.all(lanes);
}

export const argValue = (argv: string[], name: string): number | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};

// --- CPU by process tree (Linux /proc) -------------------------------------------------

const CLK_TCK = 100;

/**
 * A /proc stat line: the command's name, and the fields after it — state(0) ppid(1) …
 * utime(11) stime(12) cutime(13) cstime(14), in clock ticks. Null when the process or thread
 * exited while we read.
 */
function readStat(file: string): { name: string; f: string[] } | null {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return { name: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), f: s.slice(s.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return null;
  }
}

/** utime+stime of pid and its live descendants, plus the reaped children's (cutime+cstime), in seconds. */
export function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; own: number; reaped: number }>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(`/proc/${name}/stat`);
    if (st) stats.set(Number(name), { ppid: Number(st.f[1]), own: Number(st.f[11]) + Number(st.f[12]), reaped: Number(st.f[13]) + Number(st.f[14]) });
  }
  let ticks = 0;
  const walk = (pid: number) => {
    const s = stats.get(pid);
    if (!s) return;
    ticks += s.own + s.reaped;
    for (const [child, c] of stats) if (c.ppid === pid) walk(child);
  };
  walk(root);
  return ticks / CLK_TCK;
}

/** Whole-machine busy CPU seconds (all cores) from /proc/stat. */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return (line.reduce((a, b) => a + b, 0) - idle) / CLK_TCK;
}

export interface CpuSplit {
  node: number;
  temporal: number;
  postgres: number;
  machine: number;
  /** This process's CPU by thread: the main thread (API, activities, client), the busiest other JS thread (the SDK's workflow thread), the Temporal core's tokio threads, and the rest (GC helpers, libuv pool). */
  threads: { main: number; workflow: number; core: number; other: number; /** the main thread's share in the kernel (system calls: socket writes and reads) */ mainSys: number };
}

/** utime+stime of each live thread of this process, in seconds, with its name. */
function threadCpuSeconds(): Map<number, { name: string; seconds: number; sys: number }> {
  const out = new Map<number, { name: string; seconds: number; sys: number }>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const st = readStat(`/proc/self/task/${tid}/stat`);
    if (st) out.set(Number(tid), { name: st.name, seconds: (Number(st.f[11]) + Number(st.f[12])) / CLK_TCK, sys: Number(st.f[12]) / CLK_TCK });
  }
  return out;
}

function threadSplit(before: Map<number, { name: string; seconds: number; sys: number }>, after: Map<number, { name: string; seconds: number; sys: number }>): CpuSplit['threads'] {
  const deltas = [...after].map(([tid, t]) => ({ tid, name: t.name, d: t.seconds - (before.get(tid)?.seconds ?? 0) })).sort((a, b) => b.d - a.d);
  if (process.env.BENCH_THREADS) console.log(`[bench] threads (CPU s): ${deltas.filter((t) => t.d > 0).map((t) => `${t.tid === process.pid ? 'main' : t.tid} ${t.name} ${t.d.toFixed(2)}`).join(', ')}`);
  const sum = (ts: typeof deltas) => ts.reduce((a, t) => a + t.d, 0);
  const js = deltas.filter((t) => t.tid !== process.pid && !t.name.startsWith('tokio'));
  const mainSys = (after.get(process.pid)?.sys ?? 0) - (before.get(process.pid)?.sys ?? 0);
  return { main: sum(deltas.filter((t) => t.tid === process.pid)), workflow: js[0]?.d ?? 0, core: sum(deltas.filter((t) => t.name.startsWith('tokio'))), other: sum(js.slice(1)), mainSys };
}

/** CPU seconds spent by this process, the Temporal dev server and PostgreSQL from now until the returned function is called. */
export function cpuSplit(stack: Pick<BenchStack, 'temporalPid' | 'postgresPid'>): () => CpuSplit {
  const read = () => {
    const r = process.resourceUsage();
    return { node: (r.userCPUTime + r.systemCPUTime) / 1e6, temporal: treeCpuSeconds(stack.temporalPid), postgres: treeCpuSeconds(stack.postgresPid), machine: machineBusySeconds(), threads: threadCpuSeconds() };
  };
  const a = read();
  return () => {
    const b = read();
    return { node: b.node - a.node, temporal: b.temporal - a.temporal, postgres: b.postgres - a.postgres, machine: b.machine - a.machine, threads: threadSplit(a.threads, b.threads) };
  };
}
