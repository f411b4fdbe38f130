/**
 * Small process / port helpers shared by the local-stack scripts
 * (Temporal dev server, PostgreSQL). Node built-ins only, so these run
 * under `npx tsx` before anything else in the project is set up.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One TCP connect attempt; resolves true when something accepts the connection. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls until host:port accepts TCP connections. `abort` lets the caller stop
 * waiting early (e.g. the server process already exited) — it is checked
 * every round and its error is thrown as is.
 */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  abort?: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = abort?.();
    if (err) throw err;
    if (await isPortOpen(host, port, 500)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${host}:${port}`);
    await sleep(100);
  }
}

/**
 * Asks the kernel for a free port by listening on port 0. There is an
 * unavoidable race between closing this socket and the real server binding
 * it, which is acceptable for a dev/test stack.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0 }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** Absolute path of an executable found on PATH, or null (like `which`). */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and captures its output. Never rejects on a
 * non-zero exit (callers decide what a failure means); rejects only when the
 * command cannot be started at all or times out.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          // ENOENT, EACCES, timeout kill (code null, signal set), ...
          const why = error.killed ? `timed out after ${opts.timeoutMs} ms` : error.message;
          reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Like run() but throws with the command's output when it exits non-zero. */
export async function runChecked(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) {
    throw new Error(`command failed (exit ${res.code}): ${cmd} ${args.join(' ')}\n${res.stdout}${res.stderr}`.trimEnd());
  }
  return res;
}

export interface SpawnLoggedOptions {
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Start the child in its own process group (setsid). Lets killTree()
   * signal the whole group, and keeps Ctrl-C in our terminal from reaching it.
   * Call child.unref() as well if it should outlive this script.
   */
  detached?: boolean;
}

/**
 * Spawns a long-running process with stdout+stderr appended to logFile.
 * The log fd is handed straight to the child (no pipes through Node), so
 * the child keeps logging after this script exits and never blocks on a
 * full pipe.
 */
export function spawnLogged(cmd: string, args: string[], opts: SpawnLoggedOptions): ChildProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = fs.openSync(opts.logFile, 'a');
  try {
    fs.writeSync(fd, `\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`);
    return spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: opts.detached ?? false,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    // The child holds its own duplicate of the fd.
    fs.closeSync(fd);
  }
}

/** Last `maxBytes` of a log file, for error messages. */
export function tailFile(file: string, maxBytes = 4000): string {
  try {
    const st = fs.statSync(file);
    const len = Math.min(st.size, maxBytes);
    const buf = Buffer.alloc(len);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buf, 0, len, st.size - len);
    } finally {
      fs.closeSync(fd);
    }
    return buf.toString('utf8');
  } catch {
    return '';
  }
}

export function writePidFile(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${pid}\n`);
}

/** The pid stored in a pid file (first line), or null if missing/garbage. */
export function readPidFile(file: string): number | null {
  try {
    const first = fs.readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
    const pid = Number.parseInt(first, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 probes existence; EPERM still means the process exists (another user's). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0;
  // treat it as dead since it holds no ports or files any more.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (non-Linux): trust the kill(0) answer
  }
}

/** Pids of all descendants of `pid` (Linux /proc walk; empty elsewhere). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // process vanished while we were looking
    }
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/**
 * Signals a process and everything below it. If `pid` leads its own process
 * group (it was spawned detached), the whole group gets the signal at once;
 * descendants that escaped the group (or a non-detached child's subtree) are
 * found through /proc and signalled individually. Missing processes are
 * ignored.
 */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  const kids = descendants(pid);
  const attempt = (target: number): boolean => {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      return false;
    }
  };
  // kill(-pid) only succeeds when a group with id == pid exists, i.e. pid was
  // started as a group leader; otherwise it fails with ESRCH and we fall back.
  attempt(-pid);
  attempt(pid);
  for (const k of kids) attempt(k);
}

/** Waits until the pid is gone; returns false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * SIGTERM, wait up to graceMs, then SIGKILL the tree. Resolves once the
 * process is gone (or after a final short wait following SIGKILL).
 */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  if (!isPidAlive(pid)) return;
  killTree(pid, 'SIGTERM');
  if (await waitForExit(pid, graceMs)) return;
  killTree(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}
