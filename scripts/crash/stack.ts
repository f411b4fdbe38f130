// The crash test's own stack, in its own run directory (.data/crash/run-<pid>): a PostgreSQL
// cluster (durable settings: fsync stays on), a Temporal dev server with a persistent SQLite
// file, the API and ONE worker as child processes, all on free ports. Nothing here touches the
// servers of `npm start` or `npm test`.
//
// Besides bringing it up and down, the stack offers the chaos actions: SIGKILL the worker,
// restart the Temporal dev server on the same ports and SQLite file, restart PostgreSQL with
// an immediate (crash) shutdown, restart the API.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../../runtime/config.js';
import { findFreePort, isExecutable, isPidAlive, killTree, readPidFile, run, sleep, spawnLogged, terminate, waitForExit, which } from '../stack/proc.js';
import { findPgBin, startLocalPostgres } from '../stack/postgres.js';
import { ensureTemporalCli, registerSearchAttributes, startDevServer, type DevServer } from '../stack/temporal.js';
import { API_ENTRY, WORKER_ENTRY, dataRoot, devServerExtraArgs, isOurProcess, livePostmaster, projectRoot, stopLocalPostgres } from '../stack/stack.js';

export const crashRoot = path.join(dataRoot, 'crash');
export const CRASH_DB = 'shenguan_crash';
const NAMESPACE = 'default';

export interface StackOptions {
  /** Defaults to .data/crash/run-<pid>. */
  runDir?: string;
  /** A pre-built workflow bundle to reuse; else one is built into the run dir. */
  bundlePath?: string;
  /** The temporal CLI; else found or installed by the stack helpers. */
  temporalCli?: string;
  log: (msg: string) => void;
}

export interface ProcessExit {
  name: 'api' | 'worker';
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

interface Managed {
  child: ChildProcess;
  pid: number;
  /** Set when we stop or kill it on purpose. */
  expected: boolean;
  exited: Promise<void>;
}

/** What the run dir records about the processes it started, so a later run can clear them. */
interface PidRecord {
  api?: number;
  worker?: number;
  temporal?: number;
}

export class CrashStack {
  readonly runDir: string;
  readonly logsDir: string;
  readonly pgDataDir: string;
  readonly temporalDataDir: string;
  readonly bundlePath: string;
  readonly keyFile: string;
  readonly config: AppConfig;
  /** Processes that exited although nobody stopped them. */
  readonly unexpectedExits: ProcessExit[] = [];
  pgPort = 0;
  temporalPort = 0;
  temporalUiPort = 0;
  apiPort = 0;
  private cli = '';
  private temporal?: DevServer;
  private api?: Managed;
  private worker?: Managed;
  private client?: Connection;
  private torndown = false;
  private readonly log: (msg: string) => void;
  private readonly exitHook = (): void => this.killEverythingNow();

  private constructor(
    private readonly opts: StackOptions,
    runDir: string,
  ) {
    this.runDir = runDir;
    this.logsDir = path.join(runDir, 'logs');
    this.pgDataDir = path.join(runDir, 'pg');
    this.temporalDataDir = path.join(runDir, 'temporal');
    this.bundlePath = opts.bundlePath ?? path.join(runDir, 'workflow-bundle.js');
    this.keyFile = path.join(runDir, 'dev-jwt.key');
    this.log = opts.log;
    this.config = loadConfig(this.childEnv());
  }

  get databaseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.pgPort}/${CRASH_DB}`;
  }
  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }
  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }
  get taskQueue(): string {
    return this.config.temporal.taskQueue;
  }
  get workerPid(): number | undefined {
    return this.worker && isPidAlive(this.worker.pid) ? this.worker.pid : undefined;
  }
  get apiPid(): number | undefined {
    return this.api && isPidAlive(this.api.pid) ? this.api.pid : undefined;
  }

  /** Brings the whole stack up: PostgreSQL, Temporal, migrations, seed, bundle, worker, API. */
  static async start(opts: StackOptions): Promise<CrashStack> {
    await clearDeadRuns(opts.log);
    const runDir = opts.runDir ?? path.join(crashRoot, `run-${process.pid}`);
    fs.rmSync(runDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
    const stack = new CrashStack(opts, runDir);
    process.once('exit', stack.exitHook);
    try {
      await stack.bringUp();
    } catch (e) {
      await stack.teardown({ keep: true });
      throw e;
    }
    return stack;
  }

  private async bringUp(): Promise<void> {
    const t0 = Date.now();
    const ports = await distinctFreePorts(4);
    [this.pgPort, this.temporalPort, this.temporalUiPort, this.apiPort] = [ports[0]!, ports[1]!, ports[2]!, ports[3]!];
    this.cli = this.opts.temporalCli ?? (await ensureTemporalCli(projectRoot));
    const bundle = this.ensureBundle();
    await Promise.all([this.startPostgres(), this.startTemporal()]);
    this.log(`PostgreSQL on :${this.pgPort}, Temporal dev server on :${this.temporalPort} (${secs(t0)})`);
    await registerSearchAttributes(this.cli, this.temporalAddress, NAMESPACE, this.config.temporal.searchAttributes);
    const { runMigrations } = await import('../../db/migrate.js');
    await runMigrations(this.databaseUrl);
    const { seedDemo } = await import('../seed.js');
    await seedDemo(this.databaseUrl);
    const { ensureDevKey } = await import('../../api/auth.js');
    await ensureDevKey(this.keyFile); // before the API starts, so both sides read one key
    await bundle;
    this.log(`migrated, seeded, workflow bundle ready (${secs(t0)})`);
    this.client = await Connection.connect({ address: this.temporalAddress });
    await this.startWorker();
    await this.startApi();
    await this.waitApiReady(90_000).then((ok) => {
      if (!ok) throw new Error(`the API did not become ready on ${this.apiUrl}; see ${path.join(this.logsDir, 'api.log')}`);
    });
    await this.waitWorkerPolling(90_000).then((ms) => {
      if (ms === null) throw new Error(`the worker did not start polling; see ${path.join(this.logsDir, 'worker.log')}`);
    });
    this.log(`stack up: API ${this.apiUrl}, worker pid ${this.workerPid} (${secs(t0)})`);
  }

  private async ensureBundle(): Promise<void> {
    if (fs.existsSync(this.bundlePath) && this.opts.bundlePath) return;
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const { workflowsPath } = await import('../../runtime/worker.js');
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    fs.writeFileSync(this.bundlePath, code);
  }

  /** Environment of the API and the worker: this stack only, never the caller's servers. */
  childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_TASK_QUEUE', 'TEMPORAL_CONFIG', 'SMS_URL', 'CREDIT_PLATFORM_URL', 'ELICENCE_URL', 'WORKER_METRICS_ADDRESS']) {
      delete env[k];
    }
    return Object.assign(env, {
      NODE_ENV: 'development',
      DATABASE_URL: this.pgPort ? this.databaseUrl : 'postgres://unset@127.0.0.1:1/unset',
      TEMPORAL_ADDRESS: this.temporalPort ? this.temporalAddress : '127.0.0.1:1',
      TEMPORAL_NAMESPACE: NAMESPACE,
      PORT: String(this.apiPort),
      HOST: '127.0.0.1',
      JWT_DEV_KEY_FILE: this.keyFile,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '100000',
      WORKFLOW_BUNDLE_PATH: this.bundlePath,
    });
  }

  // --- PostgreSQL ----------------------------------------------------------------------

  private async startPostgres(): Promise<void> {
    await startLocalPostgres({
      dataDir: this.pgDataDir,
      port: this.pgPort,
      logFile: path.join(this.logsDir, 'postgres.log'),
      dbNames: [CRASH_DB],
      // Durable settings on purpose: an immediate shutdown must not lose committed rows.
      fast: false,
    });
  }

  /** `pg_ctl stop -m immediate` (a crash: no checkpoint, recovery at the next start), a pause, start. */
  async restartPostgres(downMs: number): Promise<void> {
    const res = await pgCtl(['stop', '-D', this.pgDataDir, '-m', 'immediate', '-w', '-t', '60', '-s']);
    if (res.code !== 0 && livePostmaster(this.pgDataDir)) throw new Error(`pg_ctl stop -m immediate failed: ${res.stdout}${res.stderr}`);
    await sleep(downMs);
    await this.startPostgres();
  }

  // --- Temporal ----------------------------------------------------------------------------

  private async startTemporal(): Promise<void> {
    fs.mkdirSync(this.temporalDataDir, { recursive: true });
    this.temporal = await startDevServer({
      cli: this.cli,
      dataDir: this.temporalDataDir,
      port: this.temporalPort,
      uiPort: this.temporalUiPort,
      namespace: NAMESPACE,
      logFile: path.join(this.logsDir, 'temporal.log'),
      detached: true,
      pidFile: path.join(this.runDir, 'temporal.pid'),
      extraArgs: [...devServerExtraArgs(this.config.temporal.devServer), '--headless'],
    });
    this.recordPids();
  }

  /** Stops the dev server (SIGTERM, or SIGKILL as a crash), pauses, starts it on the same ports and SQLite file. */
  async restartTemporal(signal: 'SIGTERM' | 'SIGKILL', downMs: number): Promise<void> {
    const pid = this.temporal?.pid;
    if (pid) {
      if (signal === 'SIGKILL') {
        killTree(pid, 'SIGKILL');
        await waitForExit(pid, 10_000);
      } else {
        await terminate(pid, 15_000);
      }
    }
    this.temporal = undefined;
    await sleep(downMs);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.startTemporal();
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
        this.log(`Temporal dev server did not start again (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}; retrying`);
        await sleep(2000);
      }
    }
  }

  // --- API and worker --------------------------------------------------------------------

  private spawnApp(name: 'api' | 'worker'): Managed {
    const entry = name === 'api' ? API_ENTRY : WORKER_ENTRY;
    const child = spawnLogged(process.execPath, ['--import', 'tsx', entry], {
      logFile: path.join(this.logsDir, `${name}.log`),
      env: this.childEnv(),
      cwd: projectRoot,
      // Own process group: a Ctrl-C reaches only us, and SIGKILL takes its esbuild helper too.
      detached: true,
    });
    if (!child.pid) throw new Error(`could not start the ${name}`);
    const pid = child.pid;
    let resolveExit: () => void = () => {};
    const managed: Managed = { child, pid, expected: false, exited: new Promise<void>((r) => (resolveExit = r)) };
    child.once('exit', (code, signal) => {
      if (!managed.expected && !this.torndown) {
        this.unexpectedExits.push({ name, pid, code, signal, at: Date.now() });
        this.log(`the ${name} (pid ${pid}) exited by itself (${signal ? `signal ${signal}` : `code ${code}`}); see ${path.join(this.logsDir, `${name}.log`)}`);
      }
      resolveExit();
    });
    child.once('error', () => resolveExit());
    return managed;
  }

  async startWorker(): Promise<number> {
    this.worker = this.spawnApp('worker');
    this.recordPids();
    return this.worker.pid;
  }

  /** SIGKILL to the worker's process group: no graceful shutdown, in-flight tasks are lost. */
  async killWorker(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    w.expected = true;
    try {
      process.kill(-w.pid, 'SIGKILL'); // its process group, at once (killTree walks /proc first)
    } catch {
      // already gone
    }
    killTree(w.pid, 'SIGKILL');
    await Promise.race([w.exited, sleep(10_000)]);
    this.worker = undefined;
  }

  async startApi(): Promise<number> {
    this.api = this.spawnApp('api');
    this.recordPids();
    return this.api.pid;
  }

  async restartApi(): Promise<void> {
    const a = this.api;
    if (a) {
      a.expected = true;
      killTree(a.pid, 'SIGKILL');
      await Promise.race([a.exited, sleep(10_000)]);
    }
    await this.startApi();
  }

  /** True when the worker / API process we started last has exited. */
  workerGone(): boolean {
    return !this.worker || this.worker.child.exitCode !== null || this.worker.child.signalCode !== null;
  }
  apiGone(): boolean {
    return !this.api || this.api.child.exitCode !== null || this.api.child.signalCode !== null;
  }

  /** Polls /readyz (PostgreSQL and Temporal reachable from the API) until 200. */
  async waitApiReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.apiUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
        await res.body?.cancel();
        if (res.status === 200) return true;
      } catch {
        // not listening yet, or a dependency is down
      }
      await sleep(250);
    }
    return false;
  }

  /**
   * Waits until the current worker polls the task queue (its identity `<pid>@<host>` is among
   * the pollers Temporal reports); answers the wait in ms, or null on timeout.
   */
  async waitWorkerPolling(timeoutMs: number): Promise<number | null> {
    const t0 = Date.now();
    const identity = `${this.worker?.pid}@${os.hostname()}`;
    while (Date.now() - t0 < timeoutMs) {
      if (this.workerGone()) return null;
      try {
        const r = await this.client!.workflowService.describeTaskQueue({
          namespace: NAMESPACE,
          // TASK_QUEUE_KIND_NORMAL and TASK_QUEUE_TYPE_WORKFLOW (the proto enums are CommonJS-only).
          taskQueue: { name: this.taskQueue, kind: 1 },
          taskQueueType: 1,
        });
        if ((r.pollers ?? []).some((p) => p.identity === identity)) return Date.now() - t0;
      } catch {
        // Temporal restarting
      }
      await sleep(250);
    }
    return null;
  }

  /** A Temporal connection to this stack's dev server (it reconnects after a restart). */
  temporalConnection(): Connection {
    if (!this.client) throw new Error('stack not started');
    return this.client;
  }

  private recordPids(): void {
    const rec: PidRecord = { api: this.api?.pid, worker: this.worker?.pid, temporal: this.temporal?.pid };
    try {
      fs.writeFileSync(path.join(this.runDir, 'pids.json'), JSON.stringify(rec));
    } catch {
      // run dir gone (teardown)
    }
  }

  // --- teardown ------------------------------------------------------------------------------------

  /** Stops everything this stack started; removes the run dir unless `keep`. */
  async teardown(opts: { keep: boolean }): Promise<void> {
    if (this.torndown) return;
    this.torndown = true;
    for (const m of [this.api, this.worker]) {
      if (!m) continue;
      m.expected = true;
      if (isPidAlive(m.pid)) {
        killTree(m.pid, 'SIGTERM');
        if (!(await waitForExit(m.pid, 5000))) killTree(m.pid, 'SIGKILL');
      }
    }
    await this.client?.close().catch(() => {});
    if (this.temporal) await this.temporal.stop().catch((e: Error) => this.log(`stopping Temporal: ${e.message}`));
    await stopLocalPostgres(this.pgDataDir).catch((e: Error) => this.log(`stopping PostgreSQL: ${e.message}`));
    process.removeListener('exit', this.exitHook);
    if (!opts.keep) fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  /** Last resort on process exit (synchronous): no child outlives us. */
  private killEverythingNow(): void {
    if (this.torndown) return;
    for (const pid of [this.api?.pid, this.worker?.pid, this.temporal?.pid]) if (pid && isPidAlive(pid)) killTree(pid, 'SIGKILL');
    if (livePostmaster(this.pgDataDir)) {
      const bin = findPgBin();
      if (bin) {
        const [cmd, args] = asPostgres(path.join(bin, 'pg_ctl'), ['stop', '-D', this.pgDataDir, '-m', 'immediate', '-s']);
        spawnSync(cmd, args, { cwd: '/', stdio: 'ignore', timeout: 30_000 });
      }
    }
  }
}

// --- helpers ---------------------------------------------------------------------------------

const secs = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await findFreePort());
  return [...ports];
}

/** The command line that runs a PostgreSQL tool as the `postgres` user when we are root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  const runuser = which('runuser') ?? (isExecutable('/usr/sbin/runuser') ? '/usr/sbin/runuser' : null);
  if (runuser) return [runuser, ['-u', 'postgres', '--', cmd, ...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args]];
}

async function pgCtl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = findPgBin();
  if (!bin) throw new Error('pg_ctl not found');
  const [cmd, argv] = asPostgres(path.join(bin, 'pg_ctl'), args);
  return run(cmd, argv, { cwd: '/', timeoutMs: 90_000 });
}

/** Clears run dirs of crash tests whose process is gone, stopping whatever they left running. */
async function clearDeadRuns(log: (msg: string) => void): Promise<void> {
  if (!fs.existsSync(crashRoot)) return;
  for (const name of fs.readdirSync(crashRoot)) {
    const pid = /^run-(\d+)$/.exec(name)?.[1];
    if (!pid || isPidAlive(Number(pid))) continue;
    const dir = path.join(crashRoot, name);
    let rec: PidRecord = {};
    try {
      rec = JSON.parse(fs.readFileSync(path.join(dir, 'pids.json'), 'utf8')) as PidRecord;
    } catch {
      // none recorded
    }
    if (isOurProcess(rec.api, API_ENTRY)) killTree(rec.api!, 'SIGKILL');
    if (isOurProcess(rec.worker, WORKER_ENTRY)) killTree(rec.worker!, 'SIGKILL');
    const temporalPid = readPidFile(path.join(dir, 'temporal.pid')) ?? rec.temporal;
    if (isOurProcess(temporalPid, 'server', 'start-dev', dir)) killTree(temporalPid!, 'SIGKILL');
    await stopLocalPostgres(path.join(dir, 'pg')).catch(() => false);
    fs.rmSync(dir, { recursive: true, force: true });
    log(`cleared ${path.relative(projectRoot, dir)} left by an earlier run`);
  }
}

