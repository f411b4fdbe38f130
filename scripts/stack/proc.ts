/**
 * Process and port helpers of the local stack. Node built-ins only, so `npm stop` works even
 * when the project's configuration is broken.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Runs f, then prints `<prefix> label (1.2 s)`. */
export async function timed<T>(prefix: string, label: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const v = await f();
  console.log(`${prefix} ${label} (${seconds(Date.now() - t0)})`);
  return v;
}

/**
 * Prints `<prefix> still <label> … 45 s` every intervalMs until the returned function is
 * called: pip, apt-get and npm ci run quietly for minutes, and a silent terminal looks hung.
 */
export function heartbeat(prefix: string, label: string, intervalMs = 15_000): () => void {
  const t0 = Date.now();
  const timer = setInterval(() => console.log(`${prefix} still ${label} … ${Math.round((Date.now() - t0) / 1000)} s`), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs f with a heartbeat(prefix, label) going until it settles. */
export async function withHeartbeat<T>(prefix: string, label: string, f: () => Promise<T>): Promise<T> {
  const stop = heartbeat(prefix, label);
  try {
    return await f();
  } finally {
    stop();
  }
}

/** One TCP connect attempt: true when something accepts the connection. */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('timeout', () => done(false)).once('error', () => done(false));
  });
}

/**
 * Polls `probe` until it answers true; `abort` (checked every round, e.g. "the server process
 * already exited") ends the wait with its error.
 */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, abort?: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = abort?.();
    if (err) throw err;
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${seconds(timeoutMs)}`);
    await sleep(200);
  }
}

export const waitForPort = (host: string, port: number, timeoutMs: number, abort?: () => Error | undefined): Promise<void> =>
  waitUntil(`${host}:${port}`, () => isPortOpen(host, port, 500), timeoutMs, abort);

/** True when url answers 200 within 3 s. */
export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A free port, from the kernel (a race with the real server binding it is acceptable here). */
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

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of an executable on PATH, or null. */
export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return null;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion. Resolves with its exit code (the caller decides what a failure
 * means); rejects only when it cannot start or times out. `check` rejects on a non-zero exit.
 */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; check?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const line = `${cmd} ${args.join(' ')}`;
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${line}: ${error.killed ? `timed out after ${opts.timeoutMs} ms` : error.message}\n${stderr}`));
        return;
      }
      const res = { code: error ? Number(error.code) : 0, stdout: String(stdout), stderr: String(stderr) };
      if (opts.check && res.code !== 0) reject(new Error(`command failed (exit ${res.code}): ${line}\n${res.stdout}${res.stderr}`.trimEnd()));
      else resolve(res);
    });
  });
}

/**
 * Spawns a long-running process in its own process group (Ctrl-C reaches only us, and we stop
 * things in order; killTree takes its whole group), its output appended to logFile. With
 * `echo`, each line is also printed as `[echo] line`.
 */
export function spawnLogged(cmd: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; echo?: string }): ChildProcess {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const header = `\n--- ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`;
  if (opts.echo) {
    const file = fs.createWriteStream(opts.logFile, { flags: 'a' });
    file.on('error', () => {});
    file.write(header);
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
      readline.createInterface({ input: stream!, crlfDelay: Infinity }).on('line', (line) => {
        out.write(`[${opts.echo}] ${line}\n`);
        file.write(`${line}\n`);
      });
    }
    child.once('exit', () => setTimeout(() => file.end(), 200));
    return child;
  }
  // The log fd goes straight to the child: it keeps logging without pipes through us.
  const fd = fs.openSync(opts.logFile, 'a');
  try {
    fs.writeSync(fd, header);
    return spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
}

/** Last `maxBytes` of a log file, for error messages. */
export function tailFile(file: string, maxBytes = 4000): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.max(0, buf.length - maxBytes)).toString('utf8');
  } catch {
    return '';
  }
}

/** Signal 0 probes existence (EPERM: another user's, alive); a zombie counts as gone. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/**
 * True if pid is alive and its command line contains every needle: a recorded pid may have
 * been reused by an unrelated process. Without /proc, aliveness alone decides.
 */
export function isOurProcess(pid: number | undefined, ...needles: string[]): boolean {
  if (!pid || !isPidAlive(pid)) return false;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return needles.every((n) => argv.includes(n));
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

/** Pids of all descendants of pid (Linux /proc walk; empty elsewhere). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone while we looked
    }
  }
  const out: number[] = [];
  for (const stack = [pid]; stack.length; ) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** Signals pid, its process group (when it leads one) and every descendant; missing ones are ignored. */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const target of [-pid, pid, ...descendants(pid)]) {
    try {
      process.kill(target, signal);
    } catch {
      // no such process (group)
    }
  }
}

/** Waits until pid is gone; false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * SIGTERM, then SIGKILL to the whole tree after graceMs. `only` sends the SIGTERM to the process
 * alone: the worker and the API shut down gracefully on the first signal and may exit at once
 * on a second one (a group signal reaches them through their tsx parent as well).
 */
export async function terminate(pid: number, graceMs = 10_000, only = false): Promise<void> {
  if (!isPidAlive(pid)) return;
  if (only) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
  } else {
    killTree(pid, 'SIGTERM');
  }
  if (await waitForExit(pid, graceMs)) return;
  killTree(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

/**
 * Runs a command in the foreground (our process group: Ctrl-C in the terminal reaches it
 * directly) and resolves with its exit code. A signal aimed at us alone (`kill` of npm) is
 * passed on as SIGINT to its whole tree, once, if it still runs a moment later. `tee` appends
 * its output to a file as well.
 */
export function runChild(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; tee?: string }): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', opts.tee ? 'pipe' : 'inherit', opts.tee ? 'pipe' : 'inherit'] });
    if (opts.tee) {
      const out = fs.createWriteStream(opts.tee, { flags: 'a' });
      for (const [from, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) from.on('data', (d: Buffer) => (to.write(d), out.write(d)));
      child.once('close', () => out.end());
    }
    const onSignal = (): void => {
      setTimeout(() => child.pid && child.exitCode === null && child.signalCode === null && killTree(child.pid, 'SIGINT'), 1500).unref();
    };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const s of signals) process.once(s, onSignal);
    child.once('error', (e) => console.error(`cannot run ${cmd}: ${e.message}`));
    child.once('close', (code, signal) => {
      for (const s of signals) process.removeListener(s, onSignal);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/** One JSON request to a stack's API with a bearer token; `json` is null when the body is not JSON. */
export async function apiRequest(url: string, token: string, method: string, body: unknown, timeoutMs: number): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: text ? JSON.parse(text) : null, text };
  } catch {
    return { status: res.status, json: null, text };
  }
}
