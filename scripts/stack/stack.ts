/**
 * startStack: the one way every script (start, test, fuzz, crash-test, bench) brings up
 * PostgreSQL (a given URL, or a local cluster) and Temporal (whatever listens on an address, or
 * the dev server with temporal.yaml's settings and search attributes, or the real server in
 * cluster mode, scripts/stack/cluster.ts), migrations and the demo
 * seed, and the worker and API when asked, with their environment (`stack.env`) pointing at
 * this stack only. `stop()` stops what it started (never what it reused) in the order api,
 * worker, Temporal, PostgreSQL; on SIGINT / SIGTERM / SIGHUP too, and as a synchronous last
 * resort on exit. <dir>/stack.json records every part, for `npm stop` and the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type AppConfig } from '../../runtime/config.js';
import { spawnApp, type App } from './app.js';
import { findFreePort, httpOk, isPortOpen, killTree, sleep, timed, waitUntil } from './proc.js';
import { createDatabase, databaseUrl, LocalPostgres, removeCluster, stopLocalPostgresNow } from './postgres.js';
import { DEFAULT_CLUSTER_PORTS, ensureClusterBinaries, persistenceStoreOf, TemporalCluster } from './cluster.js';
import { devServerArgs, ensureTemporalCli, ensureTestServer, existingTemporalCli, registerSearchAttributes, RestartableDevServer } from './temporal.js';
import { projectRoot, removeRecord, writeRecord, type StackRecord } from './record.js';

export interface StackOptions {
  /** Data, logs (<dir>/logs) and the record of what runs (<dir>/stack.json). */
  dir: string;
  /** Prefix of the stack's console lines: `[test] PostgreSQL started`. */
  name: string;
  /** The dir is this run's own: stop() removes it (unless stop({ keep: true })). */
  ephemeral?: boolean;
  /**
   * `url`: use that server, start none. Else a local cluster in `dataDir` (default <dir>/pg) on
   * a fixed `port` or a free one, reused when one already runs there; `fast`: fsync,
   * synchronous_commit and full_page_writes off (throwaway data). `fresh`: the database is
   * dropped and re-created; else an existing one is kept.
   */
  postgres: { database: string; url?: string; port?: number; dataDir?: string; fast?: boolean; settings?: Record<string, string | number>; fresh?: boolean };
  migrate?: boolean;
  seed?: boolean;
  /**
   * false: no Temporal. `address`: reuse whatever listens there; when nothing does (and it is
   * local), start the dev server: on fixed `port` / `uiPort` or free ones, SQLite in `dataDir`
   * (default <dir>/temporal; emptied first when `fresh`), namespace default 'default',
   * `extraArgs` after temporal.yaml's own (`--headless`, `--dynamic-config-value K=V`, ...).
   * `engine: 'cluster'`: the real server instead (scripts/stack/cluster.ts), on the stack's local
   * PostgreSQL, its frontend on `port`, its UI on `uiPort` (the other services on their fixed
   * defaults when `port` is given, else free ones), config and state under `dataDir` (default
   * <dir>/temporal-cluster). `codecEndpoint`: where the UI decodes payloads.
   */
  temporal?: false | { engine?: 'dev' | 'cluster'; address?: string; port?: number; uiPort?: number; dataDir?: string; fresh?: boolean; namespace?: string; extraArgs?: string[]; codecEndpoint?: string };
  /**
   * The real server as well, beside the dev server (npm test's cluster cases): on free ports and
   * the stack's local PostgreSQL (databases temporal, temporal_visibility), `stack.cluster`,
   * TEMPORAL_CLUSTER_ADDRESS / _NAMESPACE / _UI_URL in `env`.
   */
  cluster?: { codecEndpoint?: string };
  /** Find (or install) the time-skipping test server: `stack.testServer`, TEMPORAL_TEST_SERVER_PATH. */
  testServer?: boolean;
  worker?: boolean;
  /**
   * The worker serves the Temporal SDK's Prometheus metrics (and the deadline lag) on
   * WORKER_METRICS_ADDRESS: the caller's when set, else `port` on loopback when free, else a
   * free one (`stack.workerMetricsUrl`).
   */
  workerMetrics?: { port?: number };
  api?: boolean | { port?: number; host?: string };
  /** Added to the processes' environment last; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Print the worker's and API's lines to the terminal as `[api] ...` (they go to <dir>/logs either way). */
  echo?: boolean;
  /** The worker or the API exited without stop() or kill(). */
  onExit?: (app: App) => void;
  /** On a signal: 'exit' (default) stops the stack and exits 130; 'flag' only sets `interrupted()`. */
  signals?: 'exit' | 'flag';
}

/** Thrown by startStack when a signal arrived during start-up (everything started is stopped). */
export class Interrupted extends Error {}
export type { App };

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/**
 * A developer's shell (or ~/.config/temporalio/temporal.toml) may point at a real cluster; a
 * dev server the stack started is plain: its processes get a Temporal profile of their own
 * (<dir>/temporal.toml) and none of these.
 */
const isClusterEnv = (k: string): boolean => k === 'TEMPORAL_API_KEY' || k === 'TEMPORAL_PROFILE' || k.startsWith('TEMPORAL_TLS') || k.startsWith('TEMPORAL_GRPC_META_');

export async function startStack(options: StackOptions): Promise<Stack> {
  const stack = new Stack(options);
  await stack.up();
  return stack;
}

export class Stack {
  readonly dir: string;
  readonly logsDir: string;
  /** The configuration the stack's processes see (loadConfig of `env`). */
  config: AppConfig;
  /** The processes' environment: DATABASE_URL, TEMPORAL_*, JWT_DEV_KEY_FILE, PAYLOAD_DEV_KEY_FILE, PORT, ... of this stack. */
  env: NodeJS.ProcessEnv = {};
  databaseUrl = '';
  temporalAddress = '';
  temporalUiUrl = '';
  /** The temporal CLI (when the stack found or installed one) and the time-skipping test server. */
  cli?: string;
  testServer?: string;
  apiUrl = '';
  /** The worker's Prometheus endpoint when `workerMetrics` asked for one; '' otherwise. */
  workerMetricsUrl = '';
  worker?: App;
  api?: App;
  private dev?: RestartableDevServer;
  /** The real server: Temporal itself (`engine: 'cluster'`), or the one beside the dev server (`cluster`). */
  cluster?: TemporalCluster;
  private pg?: LocalPostgres;
  private signal?: NodeJS.Signals;
  private stopping?: Promise<void>;
  private ready = false;
  private readonly record: StackRecord;
  private readonly exitHook = (): void => this.killNow();
  private readonly onSignal = (s: NodeJS.Signals): void => {
    if (this.signal) return;
    this.signal = s;
    this.say(`${s}: stopping ...`);
    if (this.ready && (this.o.signals ?? 'exit') === 'exit') void this.stop().finally(() => process.exit(130));
  };

  constructor(private readonly o: StackOptions) {
    this.dir = path.resolve(o.dir);
    this.logsDir = path.join(this.dir, 'logs');
    this.config = loadConfig({ ...process.env, ...o.env });
    this.record = { supervisor: { pid: process.pid, entry: path.relative(projectRoot, process.argv[1] ?? '') }, startedAt: new Date().toISOString(), ready: false, urls: {} };
  }

  /** The local PostgreSQL (started or reused): postmaster pid and port; its data dir only when the stack started it. */
  get postgresPid(): number { return this.pg?.pid ?? 0; }
  get postgresPort(): number { return this.pg?.port ?? 0; }
  get ownPostgresDir(): string | undefined { return this.pg?.owned ? this.pg.o.dataDir : undefined; }
  get temporalPid(): number { return this.dev?.server?.pid ?? (this.temporalOptions.engine === 'cluster' ? (this.cluster?.serverPid ?? 0) : 0); }
  /** The signal that asked the stack to stop, if one did. */
  interrupted = (): NodeJS.Signals | undefined => this.signal;
  /** Throws Interrupted once a signal arrived: start-up ends after the current step. */
  checkpoint(): void {
    if (this.signal) throw new Interrupted(this.signal);
  }
  say = (msg: string): void => console.log(`[${this.o.name}] ${msg}`);
  private step = <T>(label: string, f: () => Promise<T>): Promise<T> => timed(`[${this.o.name}]`, label, f);

  /** Adds to the record in <dir>/stack.json (npm start: its URLs, ready). */
  save(patch: Partial<StackRecord> = {}): void {
    Object.assign(this.record, patch, {
      api: this.api && { pid: this.api.pid },
      worker: this.worker && { pid: this.worker.pid },
      temporal: this.dev?.server && { pid: this.dev.server.pid, dataDir: this.temporalDataDir() },
      cluster: this.cluster?.serverPid ? { pid: this.cluster.serverPid, uiPid: this.cluster.uiPid, configFile: this.cluster.configFile, uiConfigDir: this.cluster.uiConfigDir } : undefined,
      postgres: this.pg?.owned ? { pid: this.pg.pid, dataDir: this.pg.o.dataDir } : undefined,
    });
    writeRecord(this.dir, this.record);
  }

  async up(): Promise<void> {
    for (const s of SIGNALS) process.on(s, this.onSignal);
    process.once('exit', this.exitHook);
    fs.mkdirSync(this.logsDir, { recursive: true });
    this.save();
    try {
      const pg = this.startPostgres();
      // Built (or found) while PostgreSQL starts; awaited where a server starts (and handled if none does).
      const cluster = this.o.cluster || this.temporalOptions.engine === 'cluster' ? ensureClusterBinaries(this.say) : undefined;
      cluster?.catch(() => undefined);
      const extra = this.o.cluster ? this.startCluster(pg, cluster!, false) : undefined;
      const parts = await Promise.allSettled([pg, this.startTemporal(pg, cluster), this.o.testServer ? ensureTestServer(projectRoot) : undefined, extra]);
      for (const p of parts) if (p.status === 'rejected') throw p.reason;
      this.testServer = (parts[2] as PromiseFulfilledResult<string | undefined>).value;
      this.checkpoint();
      if (this.o.migrate) {
        const { runMigrations } = await import('../../db/migrate.js');
        await this.step('migrations applied', () => runMigrations(this.databaseUrl));
      }
      if (this.o.seed) {
        const { seedDemo } = await import('../seed.js');
        await this.step('demo data seeded', () => seedDemo(this.databaseUrl));
      }
      this.checkpoint();
      await this.environment();
      if (this.o.worker) await this.startWorker();
      if (this.o.api) await this.startApi();
      if (this.api) await this.step(`API up on ${this.apiUrl}`, () => this.waitApi(90_000));
      this.checkpoint();
      this.ready = true;
    } catch (e) {
      await this.stop({ keep: !(e instanceof Interrupted) });
      if (e instanceof Interrupted && (this.o.signals ?? 'exit') === 'exit') process.exit(130);
      throw e;
    }
  }

  /** Waits for the API's /healthz (rejects when the API exits or a signal arrives first). */
  waitApi(timeoutMs: number): Promise<void> {
    const [api, url] = [this.api, `${this.apiUrl}/healthz`];
    return waitUntil(url, () => httpOk(url), timeoutMs, () => (this.signal ? new Interrupted(this.signal) : api?.exitError()));
  }

  private async environment(): Promise<void> {
    const api = typeof this.o.api === 'object' ? this.o.api : {};
    const [host, port] = [api.host ?? '127.0.0.1', api.port ?? (this.o.api ? await findFreePort() : 0)];
    this.apiUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (this.dev || (this.cluster && this.temporalAddress === this.cluster.address)) {
      for (const k of Object.keys(env)) if (isClusterEnv(k)) delete env[k];
      const profile = path.join(this.dir, 'temporal.toml');
      fs.writeFileSync(profile, `# The Temporal profile of this stack's own server (scripts/stack/stack.ts).\n[profile.default]\naddress = ${JSON.stringify(this.temporalAddress)}\nnamespace = ${JSON.stringify(this.temporalOptions.namespace ?? 'default')}\n`);
      env.TEMPORAL_CONFIG_FILE = profile;
    }
    Object.assign(env, {
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: this.temporalOptions.namespace ?? 'default',
      TEMPORAL_UI_URL: this.temporalUiUrl,
      ...(this.o.cluster && this.cluster && { TEMPORAL_CLUSTER_ADDRESS: this.cluster.address, TEMPORAL_CLUSTER_NAMESPACE: 'default', TEMPORAL_CLUSTER_UI_URL: this.cluster.uiUrl }),
      JWT_DEV_KEY_FILE: path.join(this.dir, 'dev-jwt.key'),
      PAYLOAD_DEV_KEY_FILE: path.join(this.dir, 'payload-keys'),
      ...(this.cli && { TEMPORAL_CLI_PATH: this.cli }),
      ...(this.testServer && { TEMPORAL_TEST_SERVER_PATH: this.testServer }),
      ...(this.o.api && { PORT: String(port), HOST: host }),
      ...(this.o.worker && this.o.workerMetrics && { WORKER_METRICS_ADDRESS: process.env.WORKER_METRICS_ADDRESS || (await this.loopbackPort(this.o.workerMetrics.port)) }),
      ...this.o.env,
    });
    if (env.WORKER_METRICS_ADDRESS && this.o.workerMetrics) this.workerMetricsUrl = `http://${env.WORKER_METRICS_ADDRESS.replace(/^(0\.0\.0\.0|\[?::\]?):/, '127.0.0.1:')}/metrics`;
    // The local stack's processes are a development run unless told otherwise: the product
    // itself defaults to production (runtime/config.ts).
    env.NODE_ENV ??= 'development';
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    this.env = env;
    this.config = loadConfig(env);
    // Before the API starts, so that it and the caller's tokens read one key.
    const { ensureDevKey } = await import('../../api/auth.js');
    await ensureDevKey(this.config.env.JWT_DEV_KEY_FILE);
  }

  /** `127.0.0.1:<port>` when nothing listens there, else a free loopback port. */
  private async loopbackPort(port?: number): Promise<string> {
    return `127.0.0.1:${port && !(await isPortOpen('127.0.0.1', port)) ? port : await findFreePort()}`;
  }

  private async startPostgres(): Promise<void> {
    const p = this.o.postgres;
    if (p.url) {
      this.databaseUrl = p.url;
      return this.save({ reused: { ...this.record.reused, postgres: p.url.replace(/:[^:@/]*@/, ':***@') } });
    }
    const dataDir = path.resolve(p.dataDir ?? path.join(this.dir, 'pg'));
    // A free port can be taken before the server binds it (the dev server starting beside it
    // picks its internal ports too): then another one, twice at most.
    for (let attempt = 1; ; attempt++) {
      const pg = (this.pg = new LocalPostgres({ dataDir, port: p.port ?? (await findFreePort()), logFile: path.join(this.logsDir, 'postgres.log'), fast: p.fast, settings: p.settings }));
      try {
        await this.step(pg.owned ? `PostgreSQL started on :${pg.port}` : 'PostgreSQL (already running) reused', () => pg.start());
        break;
      } catch (e) {
        if (p.port || attempt >= 3 || !/Address already in use/.test((e as Error).message)) throw e;
        this.say(`PostgreSQL could not bind port ${pg.port}; trying another`);
      }
    }
    const pg = this.pg;
    this.save();
    await createDatabase(pg.port, p.database, p.fresh);
    this.databaseUrl = databaseUrl(pg.port, p.database);
  }

  /** Stops the stack's own PostgreSQL (`immediate`: a crash), pauses, starts it on the same port. */
  async restartPostgres(o: { mode?: 'fast' | 'immediate'; downMs?: number } = {}): Promise<void> {
    if (!this.pg?.owned) throw new Error('restartPostgres: the stack did not start PostgreSQL');
    await this.pg.restart(o);
    this.save();
  }

  private get temporalOptions(): Exclude<StackOptions['temporal'], false | undefined> {
    return this.o.temporal || {};
  }

  private temporalDataDir(): string {
    return path.resolve(this.temporalOptions.dataDir ?? path.join(this.dir, 'temporal'));
  }

  private async startTemporal(pg: Promise<void>, binaries?: ReturnType<typeof ensureClusterBinaries>): Promise<void> {
    if (this.o.temporal === false) return;
    const t = this.o.temporal ?? {};
    const [host, port] = (t.address ?? ':').replace(/\[(.*)\]/, '$1').split(/:(?=\d+$)/);
    if (t.address && (await isPortOpen(host!, Number(port)))) {
      if (t.engine === 'cluster') await this.checkReusedCluster(t.address);
      return this.reuseTemporal(t.address);
    }
    if (t.engine === 'cluster') return this.startCluster(pg, binaries!, true);
    if (t.address && !['127.0.0.1', 'localhost', '::1'].includes(host!)) throw new Error(`Temporal at ${t.address} is not reachable (a dev server is started only for a local address)`);
    this.cli = await ensureTemporalCli(projectRoot);
    this.checkpoint();
    if (t.fresh) fs.rmSync(this.temporalDataDir(), { recursive: true, force: true });
    const namespace = t.namespace ?? 'default';
    const extraArgs = [...devServerArgs(this.config.temporal.devServer), ...(t.codecEndpoint ? ['--ui-codec-endpoint', t.codecEndpoint] : []), ...(t.extraArgs ?? [])];
    const logFile = path.join(this.logsDir, 'temporal.log');
    this.dev = new RestartableDevServer({ cli: this.cli, dataDir: this.temporalDataDir(), port: t.port, uiPort: t.uiPort, namespace, logFile, extraArgs, searchAttributes: this.config.temporal.searchAttributes, say: this.say, stopped: () => !!this.signal });
    const dev = await this.step('Temporal dev server started, search attributes registered', () => this.dev!.start());
    [this.temporalAddress, this.temporalUiUrl] = [dev.address, dev.uiUrl];
    this.save();
  }

  /** Cluster mode reuses a Temporal already on its address only when that is a real server on SQL persistence, not a dev server. */
  private async checkReusedCluster(address: string): Promise<void> {
    const store = await persistenceStoreOf(await ensureTemporalCli(projectRoot), address);
    if (!store?.startsWith('postgres')) throw new Error(`cluster mode: ${address} is already served by a Temporal ${store ? `on ${store} (a dev server?)` : 'that does not answer'}; stop it, or start without --cluster`);
  }

  /** The real server on the stack's own PostgreSQL, once both are there; `main`: it is the stack's Temporal. */
  private async startCluster(pg: Promise<void>, binaries: ReturnType<typeof ensureClusterBinaries>, main: boolean): Promise<void> {
    const t = main ? this.temporalOptions : {};
    if (this.o.postgres.url) throw new Error('cluster mode keeps the Temporal databases in the local PostgreSQL the stack starts: unset DATABASE_URL');
    const [bins, cli] = await Promise.all([binaries, ensureTemporalCli(projectRoot), pg]);
    this.cli = cli;
    this.checkpoint();
    const dir = path.resolve(t.dataDir ?? path.join(this.dir, 'temporal-cluster'));
    const ports = main && t.port ? { ...DEFAULT_CLUSTER_PORTS, frontend: t.port, ...(t.uiPort && { ui: t.uiPort }) } : {};
    const codecEndpoint = main ? t.codecEndpoint : this.o.cluster?.codecEndpoint;
    this.cluster = new TemporalCluster({ dir, logsDir: this.logsDir, cli, binaries: bins, pgPort: this.pg!.port, ports, namespace: t.namespace ?? 'default', searchAttributes: this.config.temporal.searchAttributes, codecEndpoint, spawned: () => this.save() });
    try {
      await this.step(`Temporal server (PostgreSQL persistence) started on ${main ? (t.port ?? 'free ports') : 'free ports'}, search attributes registered, Web UI up`, () => this.cluster!.start(this.say));
    } finally {
      this.save();
    }
    if (main) [this.temporalAddress, this.temporalUiUrl] = [this.cluster.address, this.cluster.uiUrl];
  }

  /** Something already serves Temporal there: use it, and check the search attributes where we can. */
  private async reuseTemporal(address: string): Promise<void> {
    this.say(`Temporal: something already listens on ${address}; using it`);
    [this.temporalAddress, this.temporalUiUrl] = [address, this.config.temporal.uiUrl];
    this.save({ reused: { ...this.record.reused, temporal: address } });
    this.cli = existingTemporalCli(projectRoot) ?? undefined;
    const t = this.config.temporal;
    if (!this.cli || t.secured) return this.say('search attributes not checked (no CLI, or TLS / an API key): register them on the cluster yourself');
    await registerSearchAttributes(this.cli, address, this.temporalOptions.namespace ?? 'default', t.searchAttributes).catch((e: Error) =>
      this.say(`could not check the search attributes on ${address}: ${e.message.split('\n')[0]}`),
    );
  }

  /**
   * Stops the stack's dev server (SIGTERM, or SIGKILL as a crash), pauses, starts it again on the
   * same ports and SQLite file, or an empty one (`fresh`). In cluster mode the real server
   * instead: on its fixed ports, or on new free ones (`temporalAddress` and `env` follow), and
   * with `fresh` on emptied Temporal databases (dropped and set up again).
   */
  async restartTemporal(o: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number; fresh?: boolean } = {}): Promise<void> {
    if (this.cluster && this.temporalAddress === this.cluster.address) return this.restartCluster(this.cluster, o);
    if (!this.dev) throw new Error('restartTemporal: the stack did not start a dev server');
    await this.dev.restart(o);
    this.save();
  }

  private async restartCluster(cluster: TemporalCluster, o: { signal?: 'SIGTERM' | 'SIGKILL'; downMs?: number; fresh?: boolean }): Promise<void> {
    if (o.signal === 'SIGKILL') cluster.killNow();
    await cluster.stop();
    if (o.downMs) await sleep(o.downMs);
    if (o.fresh) for (const db of Object.values(cluster.databases)) await createDatabase(this.pg!.port, db, true);
    try {
      await this.step(`Temporal server restarted${o.fresh ? ' on empty databases' : ''}`, () => cluster.start(this.say));
    } finally {
      this.save();
    }
    [this.temporalAddress, this.temporalUiUrl] = [cluster.address, cluster.uiUrl];
    Object.assign(this.env, { TEMPORAL_ADDRESS: this.temporalAddress, TEMPORAL_UI_URL: this.temporalUiUrl });
    if (this.env.TEMPORAL_CONFIG_FILE) fs.writeFileSync(this.env.TEMPORAL_CONFIG_FILE, fs.readFileSync(this.env.TEMPORAL_CONFIG_FILE, 'utf8').replace(/^address = .*$/m, `address = ${JSON.stringify(this.temporalAddress)}`));
    this.config = loadConfig(this.env);
  }

  /** Starts the worker (again: a worker killed on purpose is replaced). */
  async startWorker(): Promise<App> {
    this.worker = this.spawn('worker');
    this.save();
    return this.worker;
  }

  async startApi(): Promise<App> {
    this.api = this.spawn('api');
    this.save();
    return this.api;
  }

  private spawn(name: App['name']): App {
    return spawnApp(name, { logsDir: this.logsDir, env: this.env, echo: this.o.echo }, (app) => !this.stopping && this.o.onExit?.(app));
  }

  /** Stops everything the stack started, once; an ephemeral dir is removed unless `keep`. */
  stop(o: { keep?: boolean } = {}): Promise<void> {
    this.stopping ??= (async () => {
      const part = async (label: string, f: () => Promise<unknown>): Promise<void> => {
        const t0 = Date.now();
        const done = await f().catch((e: Error) => this.say(`${label}: ${e.message}`));
        if (done !== false) this.say(`${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      };
      if (this.api) await part('API stopped', () => this.api!.stop(10_000));
      if (this.worker) await part('worker stopped', () => this.worker!.stop(20_000));
      if (this.dev?.server) await part('Temporal dev server stopped', () => this.dev!.stop());
      if (this.cluster?.serverPid) await part('Temporal server and Web UI stopped', () => this.cluster!.stop());
      if (this.pg) await part('PostgreSQL stopped', () => this.pg!.stop());
      process.removeListener('exit', this.exitHook);
      for (const s of SIGNALS) process.removeListener(s, this.onSignal);
      removeRecord(this.dir);
      if (this.o.ephemeral && !o.keep) {
        if (this.pg?.owned) removeCluster(this.pg.o.dataDir);
        fs.rmSync(this.dir, { recursive: true, force: true });
      }
    })();
    return this.stopping;
  }

  /** Last resort on process exit (synchronous): nothing the stack started outlives it. */
  private killNow(): void {
    for (const pid of [this.api?.pid, this.worker?.pid, this.dev?.server?.pid]) if (pid) killTree(pid, 'SIGKILL');
    this.cluster?.killNow();
    if (this.pg?.owned) stopLocalPostgresNow(this.pg.o.dataDir);
  }
}
