/**
 * `npm test [-- vitest args]`: a private stack for the test run, separate
 * from anything `npm start` runs (other data dirs, free ports):
 *
 *   PostgreSQL   .data/test/pg (fsync off), fresh database `shenguan_test`
 *                (dropped and re-created each run), migrations applied.
 *   Temporal     dev server on a fresh .data/test/temporal, free gRPC and UI
 *                ports, namespace `default`, the temporal.yaml search
 *                attributes registered.
 *   test server  path of the time-skipping `temporal-test-server`.
 *
 * Then `vitest run [args]` with DATABASE_URL, TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_UI_URL, TEMPORAL_TEST_SERVER_PATH,
 * TEMPORAL_CLI_PATH, NODE_ENV=test, LOG_LEVEL (warn unless set) and
 * JWT_DEV_KEY_FILE pointing at the stack. Both servers are stopped afterwards
 * (also on Ctrl-C); the exit code is vitest's.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type AppConfig } from '../runtime/config.js';
import { findFreePort, killTree, terminate } from './stack/proc.js';
import { recreateDatabase, startLocalPostgres } from './stack/postgres.js';
import { ensureTestServer, startDevServerWithAttributes } from './stack/temporal.js';
import { dataRoot, devServerExtraArgs, projectRoot, liveDevServer, livePostmaster, seconds, stopLocalPostgres, timed } from './stack/stack.js';

// Each run has its own directory, so two `npm test` at once (two terminals, a helper and you)
// never share a server or a database. Directories of runs that died are cleared at start.
const testsDir = path.join(dataRoot, 'test');
const testRoot = path.join(testsDir, `run-${process.pid}`);
const pgDataDir = path.join(testRoot, 'pg');
const temporalDataDir = path.join(testRoot, 'temporal');
const temporalPidFile = path.join(testRoot, 'temporal.pid');
const testLogs = path.join(testRoot, 'logs');
const TEST_DB = 'shenguan_test';

const say = (msg: string): void => console.log(`[test] ${msg}`);

const step = <T>(label: string, f: () => Promise<T>): Promise<T> => timed(label, f, '[test]');

class Aborted extends Error {}
let interrupted: NodeJS.Signals | undefined;
const checkpoint = (): void => {
  if (interrupted) throw new Aborted(interrupted);
};

const cleanups: Array<{ label: string; run: () => Promise<unknown> }> = [];

async function startPostgres(): Promise<string> {
  const wasRunning = livePostmaster(pgDataDir);
  // Register the stop before starting: pg_ctl detaches the server, so an
  // interrupted start can leave one running.
  cleanups.push({ label: 'test PostgreSQL stopped', run: () => stopLocalPostgres(pgDataDir) });
  const pg = await step(wasRunning ? 'PostgreSQL (left running by an earlier run) reused' : 'PostgreSQL started', async () =>
    startLocalPostgres({
      dataDir: pgDataDir,
      port: await findFreePort(),
      logFile: path.join(testLogs, 'postgres.log'),
      dbNames: [],
      fast: true,
    }),
  );
  checkpoint();
  const url = pg.url(TEST_DB);
  await step(`database ${TEST_DB} re-created`, () => recreateDatabase(pg.url('postgres'), TEST_DB));
  checkpoint();
  const { runMigrations } = await import('../db/migrate.js');
  await step('migrations applied', () => runMigrations(url));
  return url;
}

async function startTemporal(config: AppConfig): Promise<{ address: string; uiUrl: string; cli: string; testServer: string }> {
  // A dev server left over from an interrupted run would hold the data dir.
  const stale = liveDevServer(temporalPidFile);
  if (stale) await step(`stale test dev server stopped (pid ${stale})`, () => terminate(stale, 10_000));
  fs.rmSync(temporalDataDir, { recursive: true, force: true });

  const { cli, dev } = await startDevServerWithAttributes({
    projectRoot,
    dataDir: temporalDataDir,
    logFile: path.join(testLogs, 'temporal.log'),
    pidFile: temporalPidFile,
    extraArgs: devServerExtraArgs(config.temporal.devServer),
    searchAttributes: config.temporal.searchAttributes,
    step,
    checkpoint,
    started: (d) => cleanups.push({ label: 'test Temporal dev server stopped', run: d.stop }),
  });
  checkpoint();
  const testServer = await step('time-skipping test server found', () => ensureTestServer(projectRoot));
  return { address: dev.address, uiUrl: dev.uiUrl, cli, testServer };
}

function runVitest(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const root = projectRoot;
  const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
  return new Promise((resolve) => {
    // Same process group as us: Ctrl-C in the terminal reaches vitest directly.
    const child = spawn(vitest, ['run', ...args], { cwd: root, env, stdio: 'inherit' });
    let forwarded = false;
    const onSignal = (): void => {
      // A `kill` aimed at npm only reaches us; pass it on (once) if vitest is still running
      // after a moment (after Ctrl-C it already got the signal itself). As a Ctrl-C would:
      // SIGINT to vitest and its fork workers (vitest does not stop a busy worker itself).
      if (forwarded) return;
      forwarded = true;
      setTimeout(() => {
        if (child.pid && child.exitCode === null && child.signalCode === null) killTree(child.pid, 'SIGINT');
      }, 1500).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    child.once('error', (e) => {
      console.error(`[test] cannot run ${vitest}: ${e.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

async function main(): Promise<number> {
  const config = loadConfigOrExit();

  await clearDeadRuns();

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupted) interrupted = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const t0 = Date.now();
  let code = 1;
  try {
    fs.mkdirSync(testLogs, { recursive: true });
    const [pg, temporal, browser] = await Promise.allSettled([startPostgres(), startTemporal(config), ensureChromium()]);
    if (pg.status === 'rejected') throw pg.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
    if (browser.status === 'rejected') throw browser.reason;
    checkpoint();
    say(`test stack ready (${seconds(Date.now() - t0)}); logs in ${path.relative(process.cwd(), testLogs)}/`);

    const env: NodeJS.ProcessEnv = { ...process.env };
    // A developer's shell may point at a real cluster; tests talk to the local dev server.
    for (const k of ['TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME']) {
      delete env[k];
    }
    Object.assign(env, {
      DATABASE_URL: pg.value,
      TEMPORAL_ADDRESS: temporal.value.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: temporal.value.uiUrl,
      TEMPORAL_TEST_SERVER_PATH: temporal.value.testServer,
      TEMPORAL_CLI_PATH: temporal.value.cli,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
      JWT_DEV_KEY_FILE: path.join(testRoot, 'dev-jwt.key'),
      TEST_RUN_DIR: testRoot,
    });
    code = await runVitest(process.argv.slice(2), env);
  } catch (e) {
    if (e instanceof Aborted) {
      say(`interrupted (${e.message}) during set-up`);
      code = 130;
    } else {
      console.error(`[test] set-up failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      code = 1;
    }
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        const t1 = Date.now();
        // stopLocalPostgres answers false when there was nothing to stop.
        if ((await c.run()) !== false) say(`${c.label} (${seconds(Date.now() - t1)})`);
      } catch (e) {
        console.error(`[test] ${c.label}: ${(e as Error).message}`);
      }
    }
    fs.rmSync(testRoot, { recursive: true, force: true });
  }
  return code;
}

/**
 * The Temporal UI test drives Debian's Chromium (a test tool's own browser download does not
 * work here); a CJK font lets its screenshots show the Chinese case data. Installed with
 * apt-get when missing and running as root, else the UI test fails saying what is missing.
 */
async function ensureChromium(): Promise<void> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const font = '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc';
  if (fs.existsSync(chromium) && fs.existsSync(font)) return;
  if (process.getuid?.() !== 0) {
    say(`Chromium (${chromium}) or a CJK font is missing and this is not root: install chromium and fonts-wqy-zenhei`);
    return;
  }
  await step('Chromium and a CJK font installed (apt-get)', async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-wqy-zenhei'], { stdio: 'ignore', env });
    if (update.status !== 0 || install.status !== 0) throw new Error('apt-get install chromium fonts-wqy-zenhei failed');
  });
}

/** Removes the directories of earlier runs whose process is gone, stopping a server they left. */
async function clearDeadRuns(): Promise<void> {
  if (!fs.existsSync(testsDir)) return;
  for (const name of fs.readdirSync(testsDir)) {
    const pid = /^run-(\d+)$/.exec(name)?.[1];
    if (!pid) continue;
    try {
      process.kill(Number(pid), 0);
      continue; // still running: another `npm test`
    } catch {
      // gone
    }
    const dir = path.join(testsDir, name);
    await stopLocalPostgres(path.join(dir, 'pg')).catch(() => false);
    if (liveDevServer(path.join(dir, 'temporal.pid'))) killTree(liveDevServer(path.join(dir, 'temporal.pid'))!, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('[test] unexpected error:', e);
    process.exit(1);
  },
);
