/**
 * `npm start`: brings up the whole local stack in the foreground and keeps it
 * running until Ctrl-C (or `npm stop` from another terminal).
 *
 *   Temporal   reuse whatever listens on temporal.yaml's `address`, else run
 *              `temporal server start-dev` (SQLite under devServer.dataDir)
 *              and register the search attributes.
 *   Postgres   DATABASE_URL if set, else a local cluster in .data/pg on port
 *              5433 (PGPORT_LOCAL), database `shenguan`; reused if running.
 *   then       migrations, demo seed, dev JWT signing key,
 *              worker (runtime/worker.ts) and API (api/server.ts).
 *
 * What it started itself is recorded in .data/stack.json and stopped again on
 * exit, in the order api, worker, Temporal, Postgres. Data under .data/
 * stays, so the next `npm start` finds every earlier case. Running it while
 * a stack from an earlier `npm start` is up just prints its URLs.
 */
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ConfigError, loadConfigOrExit, type AppConfig } from '../runtime/config.js';
import { isPidAlive, isPortOpen, terminate } from './stack/proc.js';
import { startLocalPostgres } from './stack/postgres.js';
import { ensureTemporalCli, registerSearchAttributes, startDevServer } from './stack/temporal.js';
import {
  API_ENTRY,
  START_ENTRY,
  WORKER_ENTRY,
  devPgDataDir,
  devServerExtraArgs,
  devTemporalPidFile,
  existingTemporalCli,
  isOurProcess,
  livePostmaster,
  log,
  logsDir,
  projectRoot,
  readStackRecord,
  removeStackRecord,
  seconds,
  spawnPrefixed,
  stopGracefully,
  stopLocalPostgres,
  timed,
  waitForHttpOk,
  warn,
  writeStackRecord,
  type StackRecord,
} from './stack/stack.js';

const HEALTH_TIMEOUT_MS = 90_000;
const DEFAULT_LOCAL_PG_PORT = 5433;

// --- stop requests -------------------------------------------------------------------

class Aborted extends Error {}
/** An expected failure: its message says it all, no stack trace. */
class StartError extends Error {}

let stopReason: string | undefined;
let exitCode = 0;
let wakeStopper: () => void = () => {};
const stopRequested = new Promise<void>((resolve) => (wakeStopper = resolve));

function requestStop(reason: string, code: number): void {
  if (stopReason) return;
  stopReason = reason;
  exitCode = code;
  wakeStopper();
}

/** Throws once a stop was requested, so start-up ends after the current step. */
function checkpoint(): void {
  if (stopReason) throw new Aborted(stopReason);
}

// --- what this process owns ---------------------------------------------------------------

interface Owned {
  api?: ChildProcess & { pid: number };
  worker?: ChildProcess & { pid: number };
  temporal?: { pid: number; address: string; uiUrl: string; dataDir: string; stop: () => Promise<void> };
  postgres?: { pid: number; port: number; dataDir: string };
}
const owned: Owned = {};

const record: StackRecord = {
  version: 1,
  startedAt: new Date().toISOString(),
  supervisor: process.pid,
  ready: false,
  urls: {},
};

function saveRecord(): void {
  record.api = owned.api && { pid: owned.api.pid, port: apiPort, host: apiHost };
  record.worker = owned.worker && { pid: owned.worker.pid };
  record.temporal = owned.temporal && {
    pid: owned.temporal.pid,
    address: owned.temporal.address,
    uiUrl: owned.temporal.uiUrl,
    dataDir: owned.temporal.dataDir,
  };
  record.postgres = owned.postgres;
  writeStackRecord(record);
}

let apiPort = 3000;
let apiHost = '127.0.0.1';

// --- helpers ------------------------------------------------------------------------------------

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

const isLocalHost = (h: string): boolean => ['127.0.0.1', 'localhost', '0.0.0.0', '::1', '::'].includes(h);

/** Where to reach a server that binds `host` (a wildcard bind is reached on loopback). */
const connectHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

function httpBase(host: string, port: number): string {
  const h = connectHost(host);
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function printBanner(title: string, urls: StackRecord['urls'], extra: string[] = []): void {
  const lines = [
    '',
    `  ${title}`,
    '',
    `    API           ${urls.api}`,
    `    API docs      ${urls.docs}`,
    `    Temporal UI   ${urls.temporalUi}`,
    ...extra,
    '',
    '    Get a token:  npm run token -- --role approval --department <code>',
    '    Stop:         Ctrl-C in the terminal running `npm start`, or `npm stop`',
    `    Logs:         ${path.relative(process.cwd(), logsDir) || logsDir}/`,
    '',
  ];
  console.log(lines.join('\n'));
}

// --- an earlier npm start -------------------------------------------------------------------------

/**
 * Returns true when an earlier `npm start` still runs (its URLs were printed).
 * Otherwise clears what a crashed one left behind: its api / worker are
 * stopped, its Temporal dev server and Postgres are taken over (this run
 * reuses and, at the end, stops them).
 */
async function handleEarlierStack(): Promise<boolean> {
  const rec = readStackRecord();
  if (!rec) return false;
  const apiUp =
    isOurProcess(rec.api?.pid, API_ENTRY) && (await isPortOpen(connectHost(rec.api!.host), rec.api!.port));
  const workerUp = isOurProcess(rec.worker?.pid, WORKER_ENTRY);
  const supervisorUp = rec.supervisor !== process.pid && isOurProcess(rec.supervisor, START_ENTRY);
  if (apiUp && workerUp) {
    printBanner(`shenguan is already running (npm start of ${rec.startedAt}) — reusing it`, rec.urls);
    if (!supervisorUp) log('its npm start is gone (killed?); stop the stack with `npm stop`');
    return true;
  }
  if (supervisorUp) {
    log(`an earlier npm start (pid ${rec.supervisor}) is still ${rec.ready ? 'running' : 'starting'}; not starting another`);
    if (rec.urls.api) printBanner('shenguan (being started by the earlier npm start)', rec.urls);
    return true;
  }
  // Leftovers of an npm start that did not get to clean up (killed hard, machine slept, ...).
  for (const [name, pid, entry] of [
    ['api', rec.api?.pid, API_ENTRY],
    ['worker', rec.worker?.pid, WORKER_ENTRY],
  ] as const) {
    if (isOurProcess(pid, entry)) {
      log(`stopping the ${name} left over from an earlier npm start (pid ${pid})`);
      await stopGracefully(pid!, 15_000);
    }
  }
  if (rec.temporal && isOurProcess(rec.temporal.pid, 'server', 'start-dev')) {
    log(`taking over the Temporal dev server left running by an earlier npm start (pid ${rec.temporal.pid})`);
    const pid = rec.temporal.pid;
    owned.temporal = { ...rec.temporal, stop: () => terminate(pid, 10_000) };
  }
  if (rec.postgres && livePostmaster(rec.postgres.dataDir)?.pid === rec.postgres.pid) {
    log(`taking over the PostgreSQL left running by an earlier npm start (pid ${rec.postgres.pid})`);
    owned.postgres = rec.postgres;
  }
  removeStackRecord();
  return false;
}

// --- start-up steps ------------------------------------------------------------------------------------

async function startTemporal(config: AppConfig): Promise<{ address: string; uiUrl: string }> {
  const t = config.temporal;
  const { host, port } = splitHostPort(t.address);
  let address = t.address;
  let uiUrl = t.uiUrl;
  let cli: string | null;
  let startedHere = false;

  if (owned.temporal && (await isPortOpen(connectHost(host), port))) {
    ({ address, uiUrl } = owned.temporal);
    cli = existingTemporalCli();
  } else if (await isPortOpen(connectHost(host), port)) {
    log(`Temporal: something already listens on ${t.address}; using it (not starting a dev server)`);
    record.reused = { ...record.reused, temporal: address };
    cli = existingTemporalCli();
  } else {
    if (!isLocalHost(host)) {
      throw new StartError(`Temporal at ${t.address} is not reachable (a dev server is only started for a local address)`);
    }
    cli = await ensureTemporalCli(projectRoot);
    checkpoint();
    const dataDir = path.resolve(projectRoot, t.devServer.dataDir);
    const dev = await timed(`Temporal dev server up on 127.0.0.1:${t.devServer.port}, UI on :${t.devServer.uiPort}`, () =>
      startDevServer({
        cli: cli!,
        dataDir,
        port: t.devServer.port,
        uiPort: t.devServer.uiPort,
        namespace: t.namespace,
        logFile: path.join(logsDir, 'temporal.log'),
        // Own process group: Ctrl-C reaches only us, and we stop it after the worker.
        detached: true,
        pidFile: devTemporalPidFile,
        extraArgs: devServerExtraArgs(t.devServer),
      }),
    );
    owned.temporal = { pid: dev.pid, address: dev.address, uiUrl: dev.uiUrl, dataDir, stop: dev.stop };
    ({ address, uiUrl } = dev);
    startedHere = true;
    saveRecord();
  }

  const attrs = t.searchAttributes;
  if (Object.keys(attrs).length) {
    const cliPath = cli;
    if (!cliPath) {
      warn('Temporal CLI not found; search attributes not checked (register them on the server yourself)');
    } else if (!startedHere && (t.tls.enabled || t.apiKey)) {
      warn(`Temporal at ${address} uses TLS / an API key; search attributes not checked (register them on the cluster)`);
    } else {
      try {
        const r = await timed(`search attributes on namespace ${t.namespace}`, () =>
          registerSearchAttributes(cliPath, address, t.namespace, attrs),
        );
        if (r.created.length) log(`registered search attributes: ${r.created.join(', ')}`);
      } catch (e) {
        if (startedHere) throw e;
        warn(`could not check search attributes on ${address}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { address, uiUrl };
}

async function startPostgres(config: AppConfig): Promise<string> {
  if (config.env.DATABASE_URL) {
    log(`PostgreSQL: using DATABASE_URL (${redactUrl(config.env.DATABASE_URL)})`);
    record.reused = { ...record.reused, postgres: redactUrl(config.env.DATABASE_URL) };
    return config.env.DATABASE_URL;
  }
  const portText = process.env.PGPORT_LOCAL?.trim();
  const port = portText ? Number(portText) : DEFAULT_LOCAL_PG_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`environment: PGPORT_LOCAL: not a port: ${portText}`);

  const wasRunning = livePostmaster(devPgDataDir);
  try {
    const pg = await timed('PostgreSQL ready', () =>
      startLocalPostgres({
        dataDir: devPgDataDir,
        port,
        logFile: path.join(logsDir, 'postgres.log'),
        dbNames: ['shenguan'],
      }),
    );
    if (!wasRunning) owned.postgres = { pid: pg.pid, port: pg.port, dataDir: devPgDataDir };
    else if (!owned.postgres) record.reused = { ...record.reused, postgres: pg.url('shenguan') };
    saveRecord();
    return pg.url('shenguan');
  } catch (e) {
    // pg_ctl detaches the server: if start-up was cut short, stop what it left behind.
    if (!wasRunning && livePostmaster(devPgDataDir)) await stopLocalPostgres(devPgDataDir).catch(() => {});
    throw e;
  }
}

/** Runs Temporal and PostgreSQL start-up side by side; fails if either fails. */
async function startServers(config: AppConfig): Promise<{ address: string; uiUrl: string; databaseUrl: string }> {
  const [t, pg] = await Promise.allSettled([startTemporal(config), startPostgres(config)]);
  if (t.status === 'rejected') throw t.reason;
  if (pg.status === 'rejected') throw pg.reason;
  return { ...t.value, databaseUrl: pg.value };
}

function spawnApp(name: 'api' | 'worker', entry: string, env: NodeJS.ProcessEnv): ChildProcess & { pid: number } {
  const child = spawnPrefixed(name, process.execPath, ['--import', 'tsx', entry], {
    env,
    cwd: projectRoot,
    logFile: path.join(logsDir, `${name}.log`),
  });
  if (!child.pid) throw new Error(`could not start the ${name} (${entry})`);
  child.once('exit', (code, signal) => {
    if (!stopReason) {
      warn(`the ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); stopping the stack`);
      requestStop(`${name} exited`, 1);
    }
  });
  return child as ChildProcess & { pid: number };
}

async function startUp(config: AppConfig): Promise<void> {
  apiPort = config.env.PORT;
  apiHost = config.env.HOST;

  saveRecord(); // claims the stack for this process before anything starts
  if (await isPortOpen(connectHost(apiHost), apiPort)) {
    throw new StartError(`port ${apiPort} is already in use by another program; stop it or start with PORT=<other port>`);
  }

  const { address, uiUrl, databaseUrl } = await startServers(config);
  checkpoint();

  const { runMigrations } = await import('../db/migrate.js');
  await timed('migrations applied', () => runMigrations(databaseUrl));
  checkpoint();
  const { seedDemo } = await import('./seed.js');
  await timed('demo data seeded', () => seedDemo(databaseUrl));
  checkpoint();
  const { ensureDevKey } = await import('../api/auth.js');
  await ensureDevKey(config.env.JWT_DEV_KEY_FILE);
  checkpoint();

  const apiUrl = httpBase(apiHost, apiPort);
  record.urls = { api: apiUrl, docs: `${apiUrl}/docs`, temporalUi: uiUrl };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: String(apiPort),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_UI_URL: uiUrl,
  };
  const t0 = Date.now();
  owned.worker = spawnApp('worker', WORKER_ENTRY, env);
  owned.api = spawnApp('api', API_ENTRY, env);
  saveRecord();
  log(`worker (pid ${owned.worker.pid}) and api (pid ${owned.api.pid}) starting; waiting for ${apiUrl}/healthz ...`);
  await waitForHttpOk(`${apiUrl}/healthz`, HEALTH_TIMEOUT_MS, () => (stopReason ? new Aborted(stopReason) : undefined));
  checkpoint();
  log(`api healthy (${seconds(Date.now() - t0)})`);

  record.ready = true;
  saveRecord();
  const extra = [`    PostgreSQL    ${redactUrl(databaseUrl)}`];
  printBanner('shenguan is running', record.urls, extra);
}

/** Watches the servers this process started; if one dies, the stack goes down. */
function watchServers(): NodeJS.Timeout {
  return setInterval(() => {
    if (stopReason) return;
    if (owned.temporal && !isPidAlive(owned.temporal.pid)) {
      warn(`the Temporal dev server (pid ${owned.temporal.pid}) exited; see ${path.join(logsDir, 'temporal.log')}`);
      owned.temporal = undefined;
      requestStop('Temporal dev server exited', 1);
    }
    if (owned.postgres && !livePostmaster(owned.postgres.dataDir)) {
      warn(`PostgreSQL (pid ${owned.postgres.pid}) exited; see ${path.join(logsDir, 'postgres.log')}`);
      owned.postgres = undefined;
      requestStop('PostgreSQL exited', 1);
    }
  }, 3000);
}

async function teardown(): Promise<void> {
  const step = async (label: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      await timed(label, f);
    } catch (e) {
      warn(`${label}: ${(e as Error).message}`);
    }
  };
  if (owned.api) await step(`api stopped (pid ${owned.api.pid})`, () => stopGracefully(owned.api!.pid, 10_000));
  if (owned.worker) await step(`worker stopped (pid ${owned.worker.pid})`, () => stopGracefully(owned.worker!.pid, 20_000));
  if (owned.temporal) await step(`Temporal dev server stopped (pid ${owned.temporal.pid})`, owned.temporal.stop);
  if (owned.postgres) {
    const dataDir = owned.postgres.dataDir;
    await step(`PostgreSQL stopped (pid ${owned.postgres.pid})`, () => stopLocalPostgres(dataDir));
  }
  if (readStackRecord()?.supervisor === process.pid) removeStackRecord();
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();

  if (await handleEarlierStack()) process.exit(0);

  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // Ctrl-C arrives more than once (terminal, npm, bootstrap); one stop is enough.
      if (!firstSignalAt) {
        firstSignalAt = Date.now();
        console.log(`\n[stack] ${signal}: stopping ...`);
      } else if (Date.now() - firstSignalAt > 2000) {
        console.log('[stack] still stopping, please wait ...');
      }
      requestStop(signal, 0);
    });
  }

  let watcher: NodeJS.Timeout | undefined;
  try {
    await startUp(config);
    watcher = watchServers();
    await stopRequested;
  } catch (e) {
    if (e instanceof Aborted) {
      if (exitCode !== 0) warn(`start-up stopped: ${e.message}`);
    } else {
      exitCode = e instanceof ConfigError ? 78 : 1;
      requestStop('start-up failed', exitCode);
      const brief = e instanceof StartError || e instanceof ConfigError;
      warn(`start-up failed: ${e instanceof Error ? (brief ? e.message : (e.stack ?? e.message)) : String(e)}`);
    }
  }
  if (watcher) clearInterval(watcher);
  if (stopReason && !['SIGINT', 'SIGTERM', 'SIGHUP'].includes(stopReason)) log(`stopping (${stopReason})`);
  await teardown();
  log(exitCode === 0 ? 'stopped' : 'stopped after an error');
  process.exit(exitCode);
}

main().catch((e: unknown) => {
  console.error('[stack] unexpected error:', e);
  process.exit(1);
});
