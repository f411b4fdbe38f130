/**
 * Cluster mode (`npm start -- --cluster`, and npm test's cluster cases): the real Temporal
 * server, built from the go.temporal.io/server Go module, on PostgreSQL persistence and SQL
 * visibility in the stack's own local PostgreSQL, with the `ui-server` Web UI beside it.
 *
 *   build    once per machine and user, into a cache outside the clone (clusterCacheDir): a
 *            fresh clone on the same machine does not build again. One build at a time (a lock
 *            dir); the binaries appear at once (built in a temp dir, then renamed).
 *   schema   every start: the two databases created when missing, then the sql tool's
 *            `setup-schema -v 0.0` and `update-schema` (idempotent: an upgraded pin upgrades
 *            the schema, an up-to-date one is left alone), from the schemas the tool embeds.
 *   config   generated per stack dir: one process running frontend, history, matching and
 *            worker, NUM_HISTORY_SHARDS shards (fixed for the life of the databases).
 *   then     the namespace (created with RETENTION_DAYS when missing), temporal.yaml's search
 *            attributes, and the UI with the API's codec endpoint.
 *
 * Why these numbers: docs/cluster.md.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { stringify } from 'yaml';
import { isExecutable, isOurProcess, isPidAlive, isPortOpen, killTree, run, seconds, sleep, spawnLogged, tailFile, terminate, waitForPort, waitUntil, which } from './proc.js';
import { createDatabase } from './postgres.js';
import { registerSearchAttributes, type SearchAttributeType } from './temporal.js';

/** v1.32.2 and the ui-server after v2.55.0 need a newer Go than the machines here have. */
export const TEMPORAL_SERVER_VERSION = 'v1.32.1';
export const UI_SERVER_VERSION = 'v2.55.0';
/** More than one, so that shard ownership and cross-shard work are exercised as in production; fixed once the databases exist. */
export const NUM_HISTORY_SHARDS = 4;
/** Cases run for months (claim, inspection, rectification, re-inspection): a year of closed history stays readable in the UI. */
export const RETENTION_DAYS = 365;
const SQL_PLUGIN = 'postgres12';

/** The binaries' cache: SHENGUAN_CACHE_DIR, else $XDG_CACHE_HOME/shenguan, else ~/.cache/shenguan. */
export function clusterCacheDir(): string {
  const root = process.env.SHENGUAN_CACHE_DIR?.trim() || path.join(process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'shenguan');
  return path.join(root, `temporal-server-${TEMPORAL_SERVER_VERSION}-ui-${UI_SERVER_VERSION}`);
}

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  ui: string;
}

const BUILDS: Array<{ key: keyof ClusterBinaries; file: string; pkg: string }> = [
  { key: 'server', file: 'temporal-server', pkg: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}` },
  { key: 'sqlTool', file: 'temporal-sql-tool', pkg: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}` },
  { key: 'ui', file: 'ui-server', pkg: `github.com/temporalio/ui-server/v2/cmd/server@${UI_SERVER_VERSION}` },
];

const binariesIn = (dir: string): ClusterBinaries => Object.fromEntries(BUILDS.map((b) => [b.key, path.join(dir, b.file)])) as unknown as ClusterBinaries;
const complete = (dir: string): boolean => BUILDS.every((b) => isExecutable(path.join(dir, b.file)));

function findGo(): string {
  const go = [process.env.GO?.trim(), which('go'), '/usr/local/go/bin/go'].find((c): c is string => !!c && isExecutable(c));
  if (!go) throw new Error('cluster mode builds the Temporal server from its Go module, and Go was not found (PATH, /usr/local/go/bin/go, $GO); install Go 1.24 or later');
  return go;
}

/**
 * The three binaries, from the cache or built into it (a few minutes on a cold Go cache; the
 * progress is printed every 20 s). Another process building them is waited for.
 */
export async function ensureClusterBinaries(say: (msg: string) => void): Promise<ClusterBinaries> {
  const dir = clusterCacheDir();
  const lock = `${dir}.lock`;
  for (let waited = 0; !complete(dir); ) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    try {
      fs.mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      // A lock without a live holder is a killed build's (or one a moment old, pid not written yet).
      if (holder && !isPidAlive(holder)) fs.rmSync(lock, { recursive: true, force: true });
      else {
        if (waited % 20_000 === 0) say(`waiting for another process (pid ${holder || '?'}) building the Temporal server into ${dir} (${seconds(waited)})`);
        await sleep(1000);
        waited += 1000;
      }
      continue;
    }
    try {
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      if (!complete(dir)) await build(dir, say);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  return binariesIn(dir);
}

async function build(dir: string, say: (msg: string) => void): Promise<void> {
  const go = findGo();
  const tmp = `${dir}.tmp-${process.pid}`;
  const log = `${dir}.build.log`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(log, '');
  const t0 = Date.now();
  say(`building the Temporal server ${TEMPORAL_SERVER_VERSION}, its sql tool and the Web UI ${UI_SERVER_VERSION} with ${go} (once per machine: a few minutes on a cold Go cache; log ${log}) ...`);
  for (const b of BUILDS) {
    // Each into a bin dir of its own: two of the packages are named `server`.
    const gobin = path.join(tmp, `${b.key}.bin`);
    await goInstall(go, b.pkg, gobin, log, say);
    fs.renameSync(path.join(gobin, path.basename(b.pkg.split('@')[0]!)), path.join(tmp, b.file));
    fs.rmSync(gobin, { recursive: true, force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  say(`Temporal server, sql tool and Web UI built into ${dir} (${seconds(Date.now() - t0)})`);
}

/** `go install -v`: the output to the log, a line of progress (packages compiled so far) every 20 s. */
function goInstall(go: string, pkg: string, gobin: string, log: string, say: (msg: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const out = fs.createWriteStream(log, { flags: 'a' });
    out.write(`--- go install -v ${pkg}\n`);
    const child = spawn(go, ['install', '-v', pkg], { env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let packages = 0;
    let last = '';
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        out.write(`${line}\n`);
        if (!line.startsWith('go: ')) packages++;
        last = line;
      });
    }
    const beat = setInterval(() => say(`still building ${pkg}: ${packages} packages so far, ${seconds(Date.now() - t0)}${last ? ` (${last})` : ''}`), 20_000);
    child.once('error', (e) => (clearInterval(beat), out.end(), reject(e)));
    child.once('close', (code) => {
      clearInterval(beat);
      out.end();
      if (code === 0) resolve();
      else reject(new Error(`go install ${pkg} failed (exit ${code}); last lines of ${log}:\n${tailFile(log, 3000)}`));
    });
  });
}

/**
 * A free port under 32768: the server records its services' ports in the cluster_membership
 * table as smallint, so a port of the kernel's ephemeral range (from 32768 up) stops it at start.
 */
async function freePortBelow32768(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.includes(port) || (await isPortOpen('127.0.0.1', port, 300))) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ host: '127.0.0.1', port }, () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The ports of the four services in the one process (gRPC and ringpop membership each) and the frontend's HTTP API. */
export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  ui: number;
}

/** npm start's fixed ports: the frontend where temporal.yaml's address points, the UI where the dev server's is; the rest as in the server's sample config. */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  frontend: 7233,
  frontendHttp: 7243,
  frontendMembership: 6933,
  history: 7234,
  historyMembership: 6934,
  matching: 7235,
  matchingMembership: 6935,
  worker: 7239,
  workerMembership: 6939,
  ui: 8233,
};

export interface ClusterOptions {
  /** Holds the generated config (config.yaml, ui/). */
  dir: string;
  logsDir: string;
  cli: string;
  binaries: ClusterBinaries;
  /** The local PostgreSQL the databases live in (user postgres, trust auth on 127.0.0.1). */
  pgPort: number;
  databases?: { default: string; visibility: string };
  /** Fixed ports (npm start); free ones for the rest. */
  ports?: Partial<ClusterPorts>;
  namespace: string;
  searchAttributes: Record<string, SearchAttributeType>;
  /** The API's codec server, for the UI to decode the encrypted payloads. */
  codecEndpoint?: string;
  logLevel?: string;
  /** Told of each process the moment it is spawned (the stack records it: a run killed during start-up leaves nothing unknown). */
  spawned?: () => void;
}

/** The real server and its UI: started (schema, config, namespace, search attributes), stopped. */
export class TemporalCluster {
  serverPid = 0;
  uiPid = 0;
  address = '';
  uiUrl = '';
  readonly configFile: string;
  readonly uiConfigDir: string;
  private exited?: Error;

  constructor(readonly o: ClusterOptions) {
    this.configFile = path.join(path.resolve(o.dir), 'config.yaml');
    this.uiConfigDir = path.join(path.resolve(o.dir), 'ui');
  }

  get databases(): { default: string; visibility: string } {
    return this.o.databases ?? { default: 'temporal', visibility: 'temporal_visibility' };
  }

  /** Why the server exited, or undefined while it runs. */
  serverExited = (): Error | undefined => this.exited;

  async start(say: (msg: string) => void): Promise<void> {
    const t0 = Date.now();
    await this.setupSchema();
    say(`Temporal schema set up and upgraded in ${this.databases.default} and ${this.databases.visibility} (${seconds(Date.now() - t0)})`);
    for (let attempt = 1; ; attempt++) {
      const ports = await this.pickPorts();
      try {
        await this.startServer(ports);
        break;
      } catch (e) {
        await this.stop();
        // A free port taken by another process before the server bound it: again, with others.
        const fixed = Object.keys(this.o.ports ?? {}).length === Object.keys(DEFAULT_CLUSTER_PORTS).length;
        if (fixed || attempt >= 3 || !/address already in use|bind/i.test((e as Error).message)) throw e;
        say(`the Temporal server did not start (attempt ${attempt}): ${(e as Error).message.split('\n')[0]}; trying other ports`);
      }
    }
    await this.ensureNamespace();
    const created = await registerSearchAttributes(this.o.cli, this.address, this.o.namespace, this.o.searchAttributes);
    if (created.length) await this.untilSearchAttributesServed();
    await this.startUi();
  }

  private sqlTool(database: string, args: string[]): Promise<unknown> {
    const conn = ['--endpoint', '127.0.0.1', '--port', String(this.o.pgPort), '--user', 'postgres', '--plugin', SQL_PLUGIN, '--database', database];
    return run(this.o.binaries.sqlTool, [...conn, ...args], { timeoutMs: 5 * 60_000, check: true });
  }

  /** The databases when missing, then the versioned schema (the tool's embedded copy) up to the binary's version. */
  private async setupSchema(): Promise<void> {
    const schemas: Array<[string, string]> = [
      [this.databases.default, 'postgresql/v12/temporal'],
      [this.databases.visibility, 'postgresql/v12/visibility'],
    ];
    await Promise.all(
      schemas.map(async ([db, schema]) => {
        await createDatabase(this.o.pgPort, db);
        await this.sqlTool(db, ['setup-schema', '--version', '0.0']);
        await this.sqlTool(db, ['update-schema', '--schema-name', schema]);
      }),
    );
  }

  private async pickPorts(): Promise<ClusterPorts> {
    const ports = {} as ClusterPorts;
    for (const k of Object.keys(DEFAULT_CLUSTER_PORTS) as Array<keyof ClusterPorts>) ports[k] = this.o.ports?.[k] ?? (await freePortBelow32768(Object.values(ports)));
    return ports;
  }

  private config(p: ClusterPorts): Record<string, unknown> {
    const store = (databaseName: string, maxConns: number) => ({
      sql: { pluginName: SQL_PLUGIN, databaseName, connectAddr: `127.0.0.1:${this.o.pgPort}`, connectProtocol: 'tcp', user: 'postgres', password: '', maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' },
    });
    const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
    return {
      log: { stdout: true, level: this.o.logLevel ?? 'warn' },
      persistence: {
        defaultStore: 'postgres-default',
        visibilityStore: 'postgres-visibility',
        numHistoryShards: NUM_HISTORY_SHARDS,
        datastores: { 'postgres-default': store(this.databases.default, 8), 'postgres-visibility': store(this.databases.visibility, 2) },
      },
      global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
      services: {
        frontend: rpc(p.frontend, p.frontendMembership, { httpPort: p.frontendHttp }),
        history: rpc(p.history, p.historyMembership),
        matching: rpc(p.matching, p.matchingMembership),
        worker: rpc(p.worker, p.workerMembership),
      },
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.frontend}` } },
      },
      dcRedirectionPolicy: { policy: 'noop' },
    };
  }

  private async startServer(p: ClusterPorts): Promise<void> {
    const ip = '127.0.0.1';
    for (const port of Object.values(p)) {
      // Else the readiness probe could talk to whatever listens there while ours dies on bind.
      if (await isPortOpen(ip, port)) throw new Error(`cannot start the Temporal server: ${ip}:${port} is already in use`);
    }
    fs.mkdirSync(path.dirname(this.configFile), { recursive: true });
    fs.writeFileSync(this.configFile, `# Generated by scripts/stack/cluster.ts at each start; edits are overwritten.\n${stringify(this.config(p))}`);
    const logFile = path.join(this.o.logsDir, 'temporal-cluster.log');
    this.exited = undefined;
    const child = spawnLogged(this.o.binaries.server, ['--config-file', this.configFile, '--allow-no-auth', 'start'], { logFile });
    child.once('exit', (code, signal) => (this.exited = new Error(`the Temporal server exited (code ${code}, signal ${signal}); last lines of ${logFile}:\n${tailFile(logFile)}`)));
    child.once('error', (e) => (this.exited = e));
    await sleep(0);
    if (!child.pid) throw this.exited ?? new Error(`failed to spawn ${this.o.binaries.server}`);
    this.serverPid = child.pid;
    this.o.spawned?.();
    this.address = `${ip}:${p.frontend}`;
    this.uiUrl = `http://${ip}:${p.ui}`;
    this.uiPort = p.ui;
    await waitForPort(ip, p.frontend, 120_000, () => this.exited);
    const health = ['operator', 'cluster', 'health', '--address', this.address, '--command-timeout', '5s'];
    await waitUntil(`Temporal server on ${this.address}`, async () => (await run(this.o.cli, health, { timeoutMs: 15_000 })).code === 0, 120_000, () => this.exited);
  }

  private uiPort = 0;

  private async ensureNamespace(): Promise<void> {
    const ns = ['--address', this.address, '--namespace', this.o.namespace, '--command-timeout', '10s'];
    const known = async () => (await run(this.o.cli, ['operator', 'namespace', 'describe', ...ns], { timeoutMs: 30_000 })).code === 0;
    if (await known()) return;
    const res = await run(this.o.cli, ['operator', 'namespace', 'create', ...ns, '--retention', `${RETENTION_DAYS * 24}h`, '--description', 'shenguan (审管联动) cases'], { timeoutMs: 30_000 });
    if (res.code !== 0 && !/already (exists|registered)/i.test(res.stderr + res.stdout)) throw new Error(`creating namespace ${this.o.namespace} failed: ${(res.stderr + res.stdout).trim()}`);
    // Created in the database at once, served by the frontend's namespace cache after its next refresh (seconds).
    const served = async () => (await run(this.o.cli, ['operator', 'search-attribute', 'list', ...ns], { timeoutMs: 30_000 })).code === 0;
    await waitUntil(`namespace ${this.o.namespace} on ${this.address}`, served, 60_000, () => this.exited);
  }

  /**
   * The frontend validates a start's search attributes against its namespace cache, which
   * learns of newly registered ones on its next refresh: a probe start (never run, terminated
   * at once) tells when the project's attributes are accepted.
   */
  private async untilSearchAttributesServed(): Promise<void> {
    const id = `shenguan-search-attribute-probe-${process.pid}`;
    const common = ['--address', this.address, '--namespace', this.o.namespace, '--command-timeout', '10s'];
    const attrs = Object.entries(this.o.searchAttributes).map(([k, t]) => `${k}=${t === 'Datetime' ? '"2026-01-01T00:00:00Z"' : '"probe"'}`);
    await waitUntil(
      `search attributes accepted on ${this.address}`,
      async () => {
        const res = await run(this.o.cli, ['workflow', 'start', ...common, '--type', 'probe', '--task-queue', 'shenguan-probe', '--workflow-id', id, '--id-conflict-policy', 'TerminateExisting', ...attrs.flatMap((a) => ['--search-attribute', a])], { timeoutMs: 30_000 });
        if (res.code !== 0) return false;
        await run(this.o.cli, ['workflow', 'terminate', ...common, '--workflow-id', id, '--reason', 'search attribute probe'], { timeoutMs: 30_000 });
        return true;
      },
      90_000,
      () => this.exited,
    );
  }

  private async startUi(): Promise<void> {
    fs.mkdirSync(this.uiConfigDir, { recursive: true });
    const base = { temporalGrpcAddress: this.address, host: '127.0.0.1', port: this.uiPort, enableUi: true, hideLogs: true, disableNewsFetch: true, defaultNamespace: this.o.namespace, ...(this.o.codecEndpoint && { codec: { endpoint: this.o.codecEndpoint } }) };
    fs.writeFileSync(path.join(this.uiConfigDir, 'base.yaml'), `# Generated by scripts/stack/cluster.ts.\n${stringify(base)}`);
    fs.writeFileSync(path.join(this.uiConfigDir, 'development.yaml'), `port: ${this.uiPort}\n`);
    const logFile = path.join(this.o.logsDir, 'temporal-ui.log');
    let exited: Error | undefined;
    const child = spawnLogged(this.o.binaries.ui, ['--root', this.uiConfigDir, '--config', '.', '--env', 'development', 'start'], { logFile });
    child.once('exit', (code, signal) => (exited = new Error(`the Temporal Web UI exited (code ${code}, signal ${signal}); last lines of ${logFile}:\n${tailFile(logFile)}`)));
    await sleep(0);
    this.uiPid = child.pid ?? 0;
    this.o.spawned?.();
    await waitForPort('127.0.0.1', this.uiPort, 60_000, () => exited);
  }

  async stop(): Promise<void> {
    if (this.uiPid) await terminate(this.uiPid, 10_000);
    if (this.serverPid) await terminate(this.serverPid, 20_000);
    [this.uiPid, this.serverPid] = [0, 0];
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    for (const pid of [this.uiPid, this.serverPid]) if (pid) killTree(pid, 'SIGKILL');
  }
}

/** The persistence store of the Temporal at `address` (`postgres12`, `sqlite`, ...), from `operator cluster describe`; null when it does not answer. */
export async function persistenceStoreOf(cli: string, address: string): Promise<string | null> {
  const res = await run(cli, ['operator', 'cluster', 'describe', '--address', address, '--output', 'json', '--command-timeout', '10s'], { timeoutMs: 30_000 });
  if (res.code !== 0) return null;
  return (JSON.parse(res.stdout) as { persistenceStore?: string }).persistenceStore ?? null;
}

/** For `npm stop` and the clean-up of a killed run: the recorded server and UI, if they are still ours. */
export function liveClusterParts(rec: { pid: number; uiPid: number; configFile: string; uiConfigDir: string }): Array<{ name: string; stop: () => Promise<unknown> }> {
  return [
    isOurProcess(rec.uiPid, rec.uiConfigDir) && { name: 'Temporal Web UI', stop: () => terminate(rec.uiPid, 10_000) },
    isOurProcess(rec.pid, rec.configFile) && { name: 'Temporal server', stop: () => terminate(rec.pid, 20_000) },
  ].filter((p): p is { name: string; stop: () => Promise<void> } => !!p);
}
