// A throwaway stack for the benchmarks that need Temporal: under .data/bench/run-<pid>, a
// PostgreSQL (fsync off, free port) migrated and seeded, and a Temporal dev server (free
// ports, temporal.yaml's WAL pragmas, its search attributes registered). stop() tears both
// down and removes the directory; Ctrl-C / SIGTERM does the same before exiting.
import fs from 'node:fs';
import path from 'node:path';
import { runMigrations } from '../../db/migrate.js';
import { loadConfig, projectRoot, type AppConfig } from '../../runtime/config.js';
import { seedDemo } from '../seed.js';
import { findFreePort } from '../stack/proc.js';
import { startLocalPostgres, type LocalPostgres } from '../stack/postgres.js';
import { ensureTemporalCli, registerSearchAttributes, startDevServer, type DevServer } from '../stack/temporal.js';
import { devServerExtraArgs, seconds } from '../stack/stack.js';

export interface BenchStack {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  /** The Temporal dev server's and the postmaster's pids (for CPU accounting). */
  temporalPid: number;
  postgresPid: number;
  /** loadConfig with the stack's addresses, a private task queue and the given overrides. */
  config(overrides?: Record<string, string>): AppConfig;
  stop(): Promise<void>;
}

const say = (msg: string) => console.log(`[bench] ${msg}`);

/**
 * `--dev-config KEY=VALUE` (repeatable): dynamic-config values for the bench's own dev server,
 * for experiments on what bounds a figure (docs/benchmarks.md says which were tried).
 */
export const devConfigArgs = (argv: string[]): string[] =>
  argv.flatMap((a, i) => (a === '--dev-config' && argv[i + 1] ? ['--dynamic-config-value', argv[i + 1]!] : []));

export async function startBenchStack(opts: { keep?: boolean; devServerArgs?: string[] } = {}): Promise<BenchStack> {
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
  try {
    const base = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
    const startPg = async () => {
      pg = await startLocalPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logFile: path.join(dir, 'pg.log'), dbNames: ['bench'], fast: true, settings: { max_connections: 200 } });
      await runMigrations(pg.url('bench'));
      await seedDemo(pg.url('bench'));
    };
    const startTemporal = async () => {
      const cli = await ensureTemporalCli(projectRoot);
      // Several benchmarks start dev servers at once under `npm test`; a server that loses one
      // of its internal ports to another exits during set-up. Then start another, at most twice.
      for (let attempt = 1; ; attempt++) {
        const server = await startDevServer({
          cli,
          dataDir: path.join(dir, `temporal-${attempt}`),
          port: await findFreePort(),
          uiPort: await findFreePort(),
          namespace: 'default',
          logFile: path.join(dir, `temporal-${attempt}.log`),
          extraArgs: [...devServerExtraArgs(base.temporal.devServer), ...(opts.devServerArgs ?? [])],
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
    const [a, b] = await Promise.allSettled([startPg(), startTemporal()]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
  } catch (e) {
    await stop();
    throw e;
  }
  const databaseUrl = pg!.url('bench');
  const temporalAddress = dev!.address;
  say(`stack up in ${seconds(Date.now() - t0)}: PostgreSQL ${databaseUrl}, Temporal ${temporalAddress}`);
  return {
    dir,
    databaseUrl,
    temporalAddress,
    temporalPid: dev!.pid,
    postgresPid: pg!.pid,
    config: (overrides = {}) =>
      loadConfig({
        ...process.env,
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: temporalAddress,
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

/** utime+stime of pid and its live descendants, plus the reaped children's (cutime+cstime), in seconds. */
export function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; own: number; reaped: number }>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // fields after the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
      stats.set(Number(name), { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
    } catch {
      // exited while we read
    }
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
}

/** CPU seconds spent by this process, the Temporal dev server and PostgreSQL from now until the returned function is called. */
export function cpuSplit(stack: Pick<BenchStack, 'temporalPid' | 'postgresPid'>): () => CpuSplit {
  const read = (): CpuSplit => {
    const r = process.resourceUsage();
    return { node: (r.userCPUTime + r.systemCPUTime) / 1e6, temporal: treeCpuSeconds(stack.temporalPid), postgres: treeCpuSeconds(stack.postgresPid), machine: machineBusySeconds() };
  };
  const a = read();
  return () => {
    const b = read();
    return { node: b.node - a.node, temporal: b.temporal - a.temporal, postgres: b.postgres - a.postgres, machine: b.machine - a.machine };
  };
}
