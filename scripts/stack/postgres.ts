/**
 * A private PostgreSQL cluster: its own data dir and port, trust auth on 127.0.0.1 only. Uses
 * the distribution's server binaries (initdb / pg_ctl) directly rather than Debian's
 * pg_ctlcluster wrappers, so a cluster lives wherever the caller wants and never touches
 * /etc/postgresql. initdb and postgres refuse to run as root (a server compromise must not own
 * the machine): as root every tool runs as the `postgres` system user.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { isExecutable, isOurProcess, run, tailFile, waitForPort, which, withHeartbeat } from './proc.js';

const hasPgTools = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((t) => isExecutable(path.join(dir, t)));

/**
 * The directory of initdb, pg_ctl and postgres: PATH first (a symlink resolved, as they must
 * come from one installation), then /usr/lib/postgresql/<major>/bin, highest major first.
 */
export function findPgBin(): string | null {
  const onPath = which('initdb');
  const fromPath = onPath ? [path.dirname(fs.realpathSync(onPath)), path.dirname(onPath)] : [];
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a)) : [];
  return [...fromPath, ...versions.map((v) => path.join(root, v, 'bin'))].find(hasPgTools) ?? null;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** findPgBin(), installing Debian's `postgresql` package first when nothing is found and we are root. */
async function ensurePgBin(): Promise<string> {
  const found = findPgBin();
  if (found) return found;
  if (isRoot() && which('apt-get')) {
    console.log('[stack] PostgreSQL server binaries not found; installing the Debian "postgresql" package (apt-get) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await withHeartbeat('[stack]', 'installing postgresql (apt-get)', async () => {
      await run('apt-get', ['update', '-qq'], { env, timeoutMs: 10 * 60_000, check: true });
      await run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env, timeoutMs: 15 * 60_000, check: true });
    });
    const again = findPgBin();
    if (again) return again;
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them (Debian/Ubuntu: `apt-get install postgresql`)');
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no `postgres` system user to run PostgreSQL as; create one (`useradd --system postgres`)');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** The command line of a PostgreSQL tool: as root through runuser (no PAM, no password) or setpriv. */
function asPostgres(tool: string, args: string[], bin = findPgBin()): [string, string[]] {
  const cmd = path.join(bin ?? '', tool);
  if (!isRoot()) return [cmd, args];
  const runuser = which('runuser') ?? (isExecutable('/usr/sbin/runuser') ? '/usr/sbin/runuser' : null);
  if (runuser) return [runuser, ['-u', 'postgres', '--', cmd, ...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

/** From `/`: initdb aborts when it cannot resolve its working directory, and root's may be closed to it. */
function pgRun(tool: string, args: string[], bin?: string) {
  const [cmd, argv] = asPostgres(tool, args, bin);
  return run(cmd, argv, { cwd: '/', timeoutMs: 120_000 });
}

function chownToPostgres(file: string, recursive: boolean): void {
  if (!isRoot()) return;
  const u = postgresUser();
  fs.lchownSync(file, u.uid, u.gid);
  if (recursive && fs.lstatSync(file).isDirectory()) for (const e of fs.readdirSync(file)) chownToPostgres(path.join(file, e), true);
}

/** Whether the postgres user can pass through every directory above `file`. */
function reachableByPostgres(file: string): boolean {
  // No postgres user yet (PostgreSQL not installed): nothing to relocate for; asked again at the start.
  if (!fs.readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith('postgres:'))) return true;
  const u = postgresUser();
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      return true; // not there yet: made by root with mode 755 below a reachable one (checked on the way up)
    }
    const x = st.uid === u.uid ? st.mode & 0o100 : st.gid === u.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!x) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** Where unreachable clusters live instead: a root-owned dir every user may pass but not list. */
const MIRROR_ROOT = '/var/tmp/shenguan-pg';

/**
 * The directory the cluster of `dataDir` really lives in. As root, PostgreSQL runs as the
 * postgres user, which cannot pass through a private parent (a clone under root's home or a
 * `mktemp -d`): then the cluster lives under /var/tmp/shenguan-pg, at a name fixed by the data
 * dir's path, so every later start, stop and clean-up finds it again.
 */
export function clusterDir(dataDir: string): string {
  const dir = path.resolve(dataDir);
  if (!isRoot() || dir.startsWith(`${MIRROR_ROOT}/`) || reachableByPostgres(dir)) return dir;
  fs.mkdirSync(MIRROR_ROOT, { recursive: true, mode: 0o711 });
  fs.chmodSync(MIRROR_ROOT, 0o711);
  return path.join(MIRROR_ROOT, createHash('sha256').update(dir).digest('hex').slice(0, 16));
}

/** Removes a stopped cluster's files where they really live (an ephemeral stack's clean-up). */
export function removeCluster(dataDir: string): void {
  const real = clusterDir(dataDir);
  if (real !== path.resolve(dataDir)) fs.rmSync(real, { recursive: true, force: true });
  fs.rmSync(`${real}.log`, { force: true });
}

/** pid and port from <dataDir>/postmaster.pid when that postmaster is alive. */
export function livePostmaster(dataDir: string): { pid: number; port: number } | null {
  dataDir = clusterDir(dataDir);
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const [pid, port] = [Number.parseInt(lines[0] ?? '', 10), Number.parseInt(lines[3] ?? '', 10)];
    return isOurProcess(pid, 'postgres') || isOurProcess(pid, 'postmaster') ? { pid, port } : null;
  } catch {
    return null;
  }
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  logFile: string;
  /** fsync, synchronous_commit and full_page_writes off: throwaway data only. */
  fast?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

/** Creates the cluster when the data dir holds none. */
async function initCluster(bin: string, dataDir: string, fast: boolean): Promise<void> {
  if (fs.existsSync(path.join(dataDir, 'global', 'pg_control'))) return;
  if (fs.readdirSync(dataDir).length > 0) throw new Error(`${dataDir} is not empty but holds no initialised cluster (interrupted initdb?); remove it and retry`);
  const base = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', ...(fast ? ['--no-sync'] : [])];
  // C.UTF-8: codepoint collation with Unicode-aware ctype. Not every libc has it; then C.
  let res = await pgRun('initdb', [...base, '--locale=C.UTF-8'], bin);
  if (res.code !== 0) res = await pgRun('initdb', [...base, '--no-locale'], bin);
  if (res.code !== 0) throw new Error(`initdb failed (exit ${res.code}):\n${res.stdout}${res.stderr}`);
}

/**
 * Starts a PostgreSQL server on dataDir listening on 127.0.0.1:<port> with trust auth for user
 * `postgres`; a server already running on dataDir is reused (on whatever port it has).
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<{ pid: number; port: number; reused: boolean }> {
  const bin = await ensurePgBin();
  const dataDir = clusterDir(opts.dataDir);
  // Beside a relocated cluster, its log too (the postgres user writes it).
  const logFile = dataDir === path.resolve(opts.dataDir) ? path.resolve(opts.logFile) : `${dataDir}.log`;
  const running = livePostmaster(dataDir);
  if (running) return { ...running, reused: true };
  // Parents with the default 755 (the postgres user traverses them), the data dir itself 0700 and its own.
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { mode: 0o700 });
  chownToPostgres(dataDir, true);
  fs.chmodSync(dataDir, 0o700);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.closeSync(fs.openSync(logFile, 'a'));
  chownToPostgres(logFile, false);
  await initCluster(bin, dataDir, opts.fast ?? false);
  // A stale lock file (the pid is dead or another process's) would stop postgres from starting.
  fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
  // The Unix socket next to the data, unless the path passes the 107-byte sun_path limit (TCP only then).
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: `${dataDir}/.s.PGSQL.${opts.port}`.length <= 100 ? dataDir : '',
    ...(opts.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
    ...opts.settings,
  };
  // pg_ctl -o is pasted into a `/bin/sh -c` command line: every value single-quoted.
  const postOpts = [`-p ${opts.port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}='${String(v).replace(/'/g, '')}'`)].join(' ');
  const res = await pgRun('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-s', '-o', postOpts], bin);
  if (res.code !== 0) throw new Error(`pg_ctl start failed (exit ${res.code}): ${res.stdout}${res.stderr}\n--- ${logFile}:\n${tailFile(logFile)}`);
  await waitForPort('127.0.0.1', opts.port, 30_000);
  return { pid: livePostmaster(dataDir)?.pid ?? 0, port: opts.port, reused: false };
}

/**
 * `pg_ctl stop`: `fast` rolls back open transactions and checkpoints; `immediate` is a crash
 * (recovery at the next start). False when nothing ran on dataDir.
 */
export async function stopLocalPostgres(dataDir: string, mode: 'fast' | 'immediate' = 'fast'): Promise<boolean> {
  dataDir = clusterDir(dataDir);
  if (!livePostmaster(dataDir)) return false;
  const res = await pgRun('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60', '-s']);
  if (res.code !== 0 && livePostmaster(dataDir)) throw new Error(`pg_ctl stop failed (exit ${res.code}): ${res.stdout}${res.stderr}`);
  return true;
}

/** The same, synchronous and immediate: for a process that is exiting. */
export function stopLocalPostgresNow(dataDir: string): void {
  dataDir = clusterDir(dataDir);
  if (!livePostmaster(dataDir)) return;
  const [cmd, args] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s']);
  spawnSync(cmd, args, { cwd: '/', stdio: 'ignore', timeout: 30_000 });
}

export const databaseUrl = (port: number, db: string): string => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(db)}`;

/** Creates database `name` on the server of `port` if missing; `fresh` drops it first (closing its connections). */
export async function createDatabase(port: number, name: string, fresh = false): Promise<void> {
  const sql = postgres(databaseUrl(port, 'postgres'), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const ident = `"${name.replace(/"/g, '""')}"`;
  try {
    if (fresh) await sql.unsafe(`drop database if exists ${ident} with (force)`);
    if ((await sql`select 1 from pg_database where datname = ${name}`).length) return;
    await sql.unsafe(`create database ${ident}`).catch((e: { code?: string }) => {
      if (e.code !== '42P04') throw e; // duplicate_database: a concurrent starter was first
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A local cluster on one data dir and port: started (or reused), restarted, and stopped only when this process started it. */
export class LocalPostgres {
  pid = 0;
  port: number;
  /** Nothing ran on the data dir before: ours to stop (pg_ctl detaches the server, so even a start cut short is). */
  readonly owned: boolean;

  constructor(readonly o: LocalPostgresOptions) {
    this.port = o.port;
    this.owned = !livePostmaster(path.resolve(o.dataDir));
  }

  async start(): Promise<void> {
    ({ pid: this.pid, port: this.port } = await startLocalPostgres(this.o));
  }

  /** `immediate`: a crash (no checkpoint, recovery at the start); then a pause, and a start on the same port. */
  async restart(o: { mode?: 'fast' | 'immediate'; downMs?: number } = {}): Promise<void> {
    await stopLocalPostgres(this.o.dataDir, o.mode);
    await new Promise((r) => setTimeout(r, o.downMs ?? 0));
    await this.start();
  }

  stop(): Promise<boolean> {
    return this.owned ? stopLocalPostgres(this.o.dataDir) : Promise.resolve(false);
  }
}
