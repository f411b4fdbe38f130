/**
 * Orchestration shared by scripts/start.ts, stop.ts and test.ts: where the
 * local stack keeps its files, the `.data/stack.json` record of what
 * `npm start` started, stopping a local PostgreSQL from any process, the dev
 * server's extra arguments from temporal.yaml, and small console helpers.
 *
 * Node built-ins and the sibling helpers only (no project config), so
 * `npm stop` works even when the configuration is broken.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isExecutable, isPidAlive, killTree, readPidFile, run, waitForExit, which } from './proc.js';
import { findPgBin } from './postgres.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dataRoot = path.join(projectRoot, '.data');
export const logsDir = path.join(dataRoot, 'logs');
export const stackFile = path.join(dataRoot, 'stack.json');
/** The dev stack's PostgreSQL cluster and the pid file of its Temporal dev server. */
export const devPgDataDir = path.join(dataRoot, 'pg');
export const devTemporalPidFile = path.join(dataRoot, 'temporal.pid');

export const log = (msg: string): void => console.log(`[stack] ${msg}`);
export const warn = (msg: string): void => console.error(`[stack] ${msg}`);
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs f, then prints `label (1.2 s)`. */
export async function timed<T>(label: string, f: () => Promise<T>, prefix = '[stack]'): Promise<T> {
  const t0 = Date.now();
  const v = await f();
  console.log(`${prefix} ${label} (${seconds(Date.now() - t0)})`);
  return v;
}

// --- .data/stack.json ---------------------------------------------------------

export interface StackRecord {
  version: 1;
  startedAt: string;
  /** The `npm start` process (scripts/start.ts) that supervises the rest. */
  supervisor: number;
  ready: boolean;
  urls: { api?: string; docs?: string; temporalUi?: string };
  /** Only what that `npm start` started itself; reused servers are not listed here. */
  api?: { pid: number; port: number; host: string };
  worker?: { pid: number };
  temporal?: { pid: number; address: string; uiUrl: string; dataDir: string };
  postgres?: { pid: number; port: number; dataDir: string };
  /** What it found already running and used, for information only. */
  reused?: { temporal?: string; postgres?: string };
}

export function readStackRecord(): StackRecord | null {
  try {
    const rec = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as StackRecord;
    return rec && typeof rec === 'object' && rec.version === 1 ? rec : null;
  } catch {
    return null;
  }
}

export function writeStackRecord(rec: StackRecord): void {
  fs.mkdirSync(path.dirname(stackFile), { recursive: true });
  const tmp = `${stackFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  fs.renameSync(tmp, stackFile);
}

export function removeStackRecord(): void {
  fs.rmSync(stackFile, { force: true });
}

// --- process identity -----------------------------------------------------------

/** argv of a live process (Linux /proc), or null. */
function cmdline(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/**
 * True if pid is alive and its command line contains every `needle` — guards
 * against a recorded pid having been reused by an unrelated process. Without
 * /proc, aliveness alone decides.
 */
export function isOurProcess(pid: number | undefined, ...needles: string[]): boolean {
  if (!pid || !isPidAlive(pid)) return false;
  const argv = cmdline(pid);
  if (!argv) return !fs.existsSync('/proc/self');
  const joined = argv.join(' ');
  return needles.every((n) => joined.includes(n));
}

export const API_ENTRY = path.join('api', 'server.ts');
export const WORKER_ENTRY = path.join('runtime', 'worker.ts');
export const START_ENTRY = path.join('scripts', 'start.ts');

/**
 * One SIGTERM to the process itself, then SIGKILL to its whole tree after
 * graceMs. Unlike proc.ts's terminate() (which signals the process group, the
 * pid and every descendant), the process sees exactly one SIGTERM: the
 * Temporal worker and the API shut down gracefully on the first signal and
 * may exit at once on a second one.
 */
export async function stopGracefully(pid: number, graceMs: number): Promise<void> {
  if (!isPidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (await waitForExit(pid, graceMs)) return;
  killTree(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

// --- PostgreSQL ------------------------------------------------------------------

/** pid and port from <dataDir>/postmaster.pid if that postmaster is alive. */
export function livePostmaster(dataDir: string): { pid: number; port: number } | null {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number.parseInt(lines[0] ?? '', 10);
    const port = Number.parseInt(lines[3] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return isOurProcess(pid, 'postgres') || isOurProcess(pid, 'postmaster') ? { pid, port } : null;
  } catch {
    return null;
  }
}

/**
 * `pg_ctl stop -m fast` on a cluster started by startLocalPostgres (as the
 * `postgres` user when we are root, like the helper does). No-op when it is
 * not running.
 */
export async function stopLocalPostgres(dataDir: string): Promise<boolean> {
  if (!livePostmaster(dataDir)) return false;
  const bin = findPgBin();
  if (!bin) throw new Error('pg_ctl not found (PostgreSQL server binaries missing)');
  const pgCtl = path.join(bin, 'pg_ctl');
  const args = ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60', '-s'];
  let cmd = pgCtl;
  let argv = args;
  if (process.getuid?.() === 0) {
    const runuser = which('runuser') ?? (isExecutable('/usr/sbin/runuser') ? '/usr/sbin/runuser' : null);
    if (runuser) [cmd, argv] = [runuser, ['-u', 'postgres', '--', pgCtl, ...args]];
    else [cmd, argv] = ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', pgCtl, ...args]];
  }
  const res = await run(cmd, argv, { cwd: '/', timeoutMs: 90_000 });
  if (res.code !== 0 && livePostmaster(dataDir)) {
    throw new Error(`pg_ctl stop failed (exit ${res.code}): ${res.stdout}${res.stderr}`);
  }
  return true;
}

// --- Temporal ---------------------------------------------------------------------

/**
 * Extra `temporal server start-dev` arguments from temporal.yaml's devServer
 * block. startDevServer already passes WAL pragmas and --log-level warn; the
 * CLI takes the last value of a repeated setting, so these override them.
 */
export function devServerExtraArgs(dev: { logLevel: string; sqlitePragmas: Record<string, string> }): string[] {
  return [
    ...Object.entries(dev.sqlitePragmas).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]),
    '--log-level',
    dev.logLevel,
    '--ui-disable-news-fetch',
  ];
}

/** The temporal CLI if already present (PATH or .venv) — never installs it. */
export function existingTemporalCli(): string | null {
  const venv = path.join(projectRoot, '.venv', 'bin', 'temporal');
  return which('temporal') ?? (isExecutable(venv) ? venv : null);
}

/** A dev server recorded in pidFile that is still running, or null. */
export function liveDevServer(pidFile: string): number | null {
  const pid = readPidFile(pidFile);
  return pid && isOurProcess(pid, 'server', 'start-dev') ? pid : null;
}

// --- child processes with prefixed output ------------------------------------------

/**
 * Spawns a long-running Node entry in its own process group (so Ctrl-C in the
 * terminal reaches only the supervisor, which stops things in order) with
 * each output line printed as `[name] line` and appended to logFile.
 */
export function spawnPrefixed(
  name: string,
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
): ChildProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const file = fs.createWriteStream(opts.logFile, { flags: 'a' });
  file.on('error', () => {});
  file.write(`\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pipe = (stream: NodeJS.ReadableStream | null, out: NodeJS.WriteStream): void => {
    if (!stream) return;
    const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      out.write(`[${name}] ${line}\n`);
      file.write(`${line}\n`);
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.once('exit', () => setTimeout(() => file.end(), 200));
  return child;
}

/** Polls url until it answers 200; `abort` is checked every round. */
export async function waitForHttpOk(url: string, timeoutMs: number, abort: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const err = abort();
    if (err) throw err;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${seconds(timeoutMs)} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
