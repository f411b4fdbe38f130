/**
 * A private PostgreSQL cluster for the local stack: its own data dir, its
 * own port, trust auth on 127.0.0.1 only. Uses the distribution's server
 * binaries (initdb / pg_ctl / postgres) directly rather than the Debian
 * pg_ctlcluster wrappers, so the cluster lives wherever the caller wants
 * (under the project, or /tmp for tests) and never touches /etc/postgresql.
 */
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { isExecutable, isPidAlive, run, runChecked, tailFile, waitForPort, which } from './proc.js';

const PG_TOOLS = ['initdb', 'pg_ctl', 'postgres'] as const;

function hasPgTools(dir: string): boolean {
  return PG_TOOLS.every((t) => isExecutable(path.join(dir, t)));
}

/**
 * Directory holding initdb, pg_ctl and postgres, or null. PATH first (a
 * symlink such as /usr/local/bin/initdb is resolved to its real directory,
 * since pg_ctl and postgres must come from the same installation), then the
 * Debian layout /usr/lib/postgresql/<major>/bin, highest major first.
 */
export function findPgBin(): string | null {
  const onPath = which('initdb');
  if (onPath) {
    for (const dir of [path.dirname(fs.realpathSync(onPath)), path.dirname(onPath)]) {
      if (hasPgTools(dir)) return dir;
    }
  }
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return null;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const v of versions) {
    const dir = path.join(root, v, 'bin');
    if (hasPgTools(dir)) return dir;
  }
  return null;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * findPgBin(), installing Debian's `postgresql` package first when nothing is
 * found and we are root. Throws a clear error otherwise.
 */
export async function ensurePgBin(): Promise<string> {
  const found = findPgBin();
  if (found) return found;
  if (isRoot() && which('apt-get')) {
    console.log('[stack] PostgreSQL server binaries not found; installing the Debian "postgresql" package (apt-get) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runChecked('apt-get', ['update', '-qq'], { env, timeoutMs: 10 * 60_000 });
    await runChecked('apt-get', ['install', '-y', '-qq', 'postgresql'], { env, timeoutMs: 15 * 60_000 });
    const again = findPgBin();
    if (again) return again;
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or under /usr/lib/postgresql/*/bin. ' +
      'Install them (Debian/Ubuntu: `apt-get install postgresql`) and retry.',
  );
}

interface PgUser {
  uid: number;
  gid: number;
}

function lookupPostgresUser(): PgUser | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === 'postgres') return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    // no /etc/passwd: not a system we can run as root on anyway
  }
  return null;
}

/**
 * How to run a PostgreSQL tool. initdb and postgres refuse to run as root
 * (a server compromise must not own the machine), so as root we drop to the
 * `postgres` system user: `runuser` needs no password or PAM auth when called
 * by root, and `setpriv` is the util-linux fallback. As any other user the
 * tools run directly and the data dir simply belongs to that user.
 */
function pgRunner(): (cmd: string, args: string[]) => [string, string[]] {
  if (!isRoot()) return (cmd, args) => [cmd, args];
  if (!lookupPostgresUser()) {
    throw new Error(
      'running as root but there is no `postgres` system user to run PostgreSQL as; ' +
        'create one (`useradd --system postgres`) or run as a non-root user',
    );
  }
  const runuser = which('runuser') ?? (isExecutable('/usr/sbin/runuser') ? '/usr/sbin/runuser' : null);
  if (runuser) return (cmd, args) => [runuser, ['-u', 'postgres', '--', cmd, ...args]];
  const setpriv = which('setpriv');
  if (setpriv) {
    return (cmd, args) => [setpriv, ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
  }
  throw new Error('running as root but neither runuser nor setpriv is available to drop to the postgres user');
}

/**
 * Run as the postgres user, from `/`: initdb aborts when it cannot resolve
 * its working directory, and root's cwd (e.g. /root) may be unreadable to it.
 */
function pgRun(asPg: ReturnType<typeof pgRunner>, cmd: string, args: string[], timeoutMs = 120_000) {
  const [c, a] = asPg(cmd, args);
  return run(c, a, { cwd: '/', timeoutMs });
}

function chownToPostgres(file: string, recursive = false): void {
  if (!isRoot()) return;
  const u = lookupPostgresUser()!;
  const st = fs.statSync(file);
  if (st.uid === u.uid && st.gid === u.gid && !recursive) return;
  if (!recursive || !st.isDirectory()) {
    fs.chownSync(file, u.uid, u.gid);
    return;
  }
  const walk = (p: string): void => {
    fs.lchownSync(p, u.uid, u.gid);
    if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(file);
}

function isInitialised(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'PG_VERSION')) && fs.existsSync(path.join(dataDir, 'global', 'pg_control'));
}

/** Lines of postmaster.pid: pid, data dir, start time, port, socket dir, listen addr, shm key, status. */
function readPostmasterPid(dataDir: string): { pid: number; port: number } | null {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number.parseInt(lines[0] ?? '', 10);
    const port = Number.parseInt(lines[3] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, port } : null;
  } catch {
    return null;
  }
}

/** True if pid is a live postgres postmaster (not some unrelated process that reused the pid). */
function isLivePostmaster(pid: number): boolean {
  if (!isPidAlive(pid)) return false;
  try {
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return comm === 'postgres' || comm === 'postmaster';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Quote a value for pg_ctl -o, which is pasted into a `/bin/sh -c` command line. */
function shQuote(v: string): string {
  if (v.includes("'")) throw new Error(`path/setting must not contain a single quote: ${v}`);
  return `'${v}'`;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  logFile: string;
  /** Databases created (if missing) once the server is up. */
  dbNames: string[];
  /**
   * Trade durability for speed (tests): fsync, synchronous_commit and
   * full_page_writes off. Only safe for throwaway data — an OS crash can
   * corrupt the cluster. Off by default.
   */
  fast?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

export interface LocalPostgres {
  url(db: string): string;
  stop(): Promise<void>;
  pid: number;
  /** Actual port; differs from opts.port only when an already-running server was reused. */
  port: number;
  /** True when a server already running on this data dir was reused rather than started. */
  reused: boolean;
}

/**
 * Starts (or reuses) a PostgreSQL server on `dataDir`, listening on
 * 127.0.0.1:<port> with trust auth for user `postgres`, and creates the
 * databases in `dbNames`.
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const bin = await ensurePgBin();
  const asPg = pgRunner();
  const dataDir = path.resolve(opts.dataDir);
  const logFile = path.resolve(opts.logFile);
  const pgCtl = path.join(bin, 'pg_ctl');

  // --- data dir -----------------------------------------------------------
  // Parents are created by us (root-owned 755 when root), which the postgres
  // user can traverse; the data dir itself must belong to it with mode 0700.
  // (mkdir's `mode` would also apply to every parent it creates, so parents
  // are made separately with the default 755.)
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (!fs.existsSync(dataDir)) fs.mkdirSync(dataDir, { mode: 0o700 });
  const initialised = isInitialised(dataDir);
  chownToPostgres(dataDir, initialised);
  fs.chmodSync(dataDir, 0o700);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.closeSync(fs.openSync(logFile, 'a')); // pg_ctl opens it as the postgres user
  chownToPostgres(logFile);

  if (isRoot()) {
    // Fail early and clearly if some ancestor dir is closed to the postgres user.
    const probe = await pgRun(asPg, 'test', ['-w', dataDir, '-a', '-w', logFile]);
    if (probe.code !== 0) {
      throw new Error(
        `the postgres user cannot write ${dataDir} or ${logFile}; make every parent directory traversable (o+x)`,
      );
    }
  }

  if (!initialised) {
    if (fs.readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is not empty but holds no initialised cluster (interrupted initdb?); remove it and retry`);
    }
    const started = Date.now();
    console.log(`[stack] initdb ${dataDir}`);
    const base = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', ...(opts.fast ? ['--no-sync'] : [])];
    // C.UTF-8: codepoint collation like C, but with Unicode-aware ctype
    // (upper/lower on non-ASCII). Not every libc has it; fall back to C.
    let res = await pgRun(asPg, path.join(bin, 'initdb'), [...base, '--locale=C.UTF-8']);
    if (res.code !== 0) res = await pgRun(asPg, path.join(bin, 'initdb'), [...base, '--no-locale']);
    if (res.code !== 0) throw new Error(`initdb failed (exit ${res.code}):\n${res.stdout}${res.stderr}`);
    console.log(`[stack] initdb done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  // --- start or reuse ------------------------------------------------------
  let port = opts.port;
  let reused = false;
  const existing = readPostmasterPid(dataDir);
  if (existing && isLivePostmaster(existing.pid)) {
    reused = true;
    if (existing.port && existing.port !== opts.port) {
      console.log(`[stack] postgres already running on ${dataDir} (pid ${existing.pid}) on port ${existing.port}, not ${opts.port}; using it`);
      port = existing.port;
    } else {
      console.log(`[stack] postgres already running on ${dataDir} (pid ${existing.pid}); reusing it`);
    }
  } else {
    if (existing) {
      // The recorded pid is dead or now belongs to another process (e.g.
      // after a container restart). postgres refuses to start while the pid
      // in the lock file is alive, so drop the stale file.
      fs.rmSync(path.join(dataDir, 'postmaster.pid'), { force: true });
    }
    // Unix socket next to the data (keeps /var/run/postgresql out of it) —
    // unless the path would exceed the 107-byte sun_path limit, in which case
    // TCP only; nothing here needs the socket.
    const socketDir = `${dataDir}/.s.PGSQL.${port}`.length <= 100 ? dataDir : '';
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: socketDir,
      ...(opts.fast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
      ...opts.settings,
    };
    const postOpts = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${shQuote(String(v))}`)].join(' ');
    const started = Date.now();
    const res = await pgRun(asPg, pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-s', '-o', postOpts]);
    if (res.code !== 0) {
      throw new Error(`pg_ctl start failed (exit ${res.code}): ${res.stdout}${res.stderr}\n--- ${logFile}:\n${tailFile(logFile)}`);
    }
    console.log(`[stack] postgres started on 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await waitForPort('127.0.0.1', port, 30_000);
  const pid = readPostmasterPid(dataDir)?.pid ?? 0;

  const url = (db: string): string => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(db)}`;

  // --- databases -----------------------------------------------------------
  if (opts.dbNames.length) {
    const sql = postgres(url('postgres'), { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      for (const name of opts.dbNames) {
        const rows = await sql`select 1 from pg_database where datname = ${name}`;
        if (rows.length) continue;
        try {
          await sql.unsafe(`create database ${quoteIdent(name)}`);
          console.log(`[stack] created database ${name}`);
        } catch (e) {
          // 42P04 duplicate_database: a concurrent starter created it first.
          if ((e as { code?: string }).code !== '42P04') throw e;
        }
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  }

  const stop = async (): Promise<void> => {
    if (!readPostmasterPid(dataDir)) return; // already stopped
    const res = await pgRun(asPg, pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60', '-s']);
    // Exit 1 with no pid file means it stopped in the meantime — fine.
    if (res.code !== 0 && readPostmasterPid(dataDir)) {
      throw new Error(`pg_ctl stop failed (exit ${res.code}): ${res.stdout}${res.stderr}`);
    }
  };

  return { url, stop, pid, port, reused };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Drops database `name` (terminating its connections), connecting through
 * `url` — any other database on the same server, e.g. url('postgres').
 */
export async function dropDatabase(url: string, name: string): Promise<void> {
  await onServer(url, (sql) => sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`));
}

/** Drops database `name` if it exists and creates it empty (connecting through `url`, as dropDatabase). */
export async function recreateDatabase(url: string, name: string): Promise<void> {
  await dropDatabase(url, name);
  await onServer(url, (sql) => sql.unsafe(`create database ${quoteIdent(name)}`));
}

async function onServer(url: string, run: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
