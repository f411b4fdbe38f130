/**
 * `npm run fuzz [-- options] [-- schemathesis args]`: property-based fuzzing of the
 * OpenAPI document (GET /openapi.json) with schemathesis, against a private stack:
 *
 *   PostgreSQL   .data/fuzz/run-<pid>/pg on a free port (fsync off), fresh database
 *                `shenguan_fuzz`, migrations applied, demo seed loaded.
 *   Temporal     dev server on a fresh data dir, free ports, namespace `default`,
 *                the temporal.yaml search attributes registered.
 *   worker, API  `node --import tsx runtime/worker.ts` and `api/server.ts` on a free PORT,
 *                LOG_LEVEL=warn, their own dev JWT key in the run dir, the rate limit
 *                raised and SMS_RECEIPT_TOKEN set (see below).
 *   fixtures     a few real cases, tasks and a linkage, made through the API
 *                (scripts/fuzz/fixtures.ts); scripts/fuzz/hooks.py feeds their identifiers
 *                to the generated requests.
 *
 * Then one `schemathesis run <api>/openapi.json` per role (a bearer token for each, plus
 * one run without a token), checking `not_a_server_error` and
 * `response_schema_conformance`, through a recording proxy (scripts/fuzz/proxy.ts) that
 * names the request if the API stops answering: a watchdog probes /healthz, and on a hang
 * the API is restarted and the role run again without that operation. Prints a summary per
 * role and exits 1 if any run found a failure, an error (e.g. a request timed out) or a
 * hang. Everything started here is stopped (also on Ctrl-C) and the run dir removed; the
 * reports, schemathesis output and API / worker logs of the last run stay in .data/fuzz/last/.
 *
 * Options:
 *   --max-examples N   generated test cases per operation in the fuzzing phase (default 30;
 *                      the coverage phase's boundary cases come on top, whatever N is)
 *   --seed N           hypothesis seed (default 20260101): the same seed, the same inputs
 *   --role NAME        only this role (repeatable): approval, supervision, supervision-head,
 *                      regional-admin, operator, arbiter, anonymous
 *   --workers N        concurrent schemathesis workers per run (default 1)
 *   -- ARGS            passed to every `schemathesis run` as is (e.g. --include-path ...)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../runtime/config.js';
import type { Principal } from '../api/auth.js';
import {
  findFreePort,
  isExecutable,
  isPidAlive,
  killTree,
  readPidFile,
  runChecked,
  sleep,
  spawnLogged,
  tailFile,
  terminate,
  waitForExit,
  which,
  writePidFile,
} from './stack/proc.js';
import { buildFixtures } from './fuzz/fixtures.js';
import { curlOf, operationOf, startRecordingProxy, type InFlight, type RecordingProxy } from './fuzz/proxy.js';
import { recreateDatabase, startLocalPostgres } from './stack/postgres.js';
import { startDevServerWithAttributes } from './stack/temporal.js';
import {
  dataRoot,
  devServerExtraArgs,
  isOurProcess,
  liveDevServer,
  livePostmaster,
  projectRoot,
  seconds,
  stopGracefully,
  stopLocalPostgres,
  timed,
  waitForHttpOk,
} from './stack/stack.js';

/** Verified with this version's `schemathesis run --help` (v4 CLI: -c/--checks, -n/--max-examples, --phases, --report json). */
export const SCHEMATHESIS_PIP = 'schemathesis==4.32.5';
const SCHEMATHESIS_VERSION = SCHEMATHESIS_PIP.split('==')[1]!;

const fuzzDir = path.join(dataRoot, 'fuzz');
const runRoot = path.join(fuzzDir, `run-${process.pid}`);
const lastDir = path.join(fuzzDir, 'last');
const pgDataDir = path.join(runRoot, 'pg');
const temporalDataDir = path.join(runRoot, 'temporal');
const temporalPidFile = path.join(runRoot, 'temporal.pid');
const logsDir = path.join(runRoot, 'logs');
const reportDir = path.join(runRoot, 'report');
const keyFile = path.join(runRoot, 'dev-jwt.key');
const hooksFile = path.join(projectRoot, 'scripts', 'fuzz', 'hooks.py');
const FUZZ_DB = 'shenguan_fuzz';
const HEALTH_TIMEOUT_MS = 90_000;
const APP_ENTRY = { api: path.join('api', 'server.ts'), worker: path.join('runtime', 'worker.ts') } as const;
/** Per request; a request the API never answers is caught sooner by the watchdog below. */
const REQUEST_TIMEOUT_S = 15;
/** The watchdog: /healthz every 2 s; 3 misses in a row (each 3 s without an answer) = the API hangs. */
const PROBE_EVERY_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;
const PROBES_TO_HANG = 3;
/** Runs of one role: the first, plus one more for each operation that hung the API. */
const MAX_ATTEMPTS = 4;

/** The callers fuzzed, one schemathesis run each; null = no Authorization header. */
const ROLES: Record<string, Principal | null> = {
  approval: { sub: 'fuzz:approval', role: 'approval', department: 'LYG-SPJ' },
  supervision: { sub: 'fuzz:supervision', role: 'supervision', department: 'LYG-SJJ', division: 'LYG-SJJ-SPJY' },
  'supervision-head': { sub: 'fuzz:supervision-head', role: 'supervision', department: 'LYG-SJJ' },
  'regional-admin': { sub: 'fuzz:regional-admin', role: 'regional-admin', region: '320700' },
  operator: { sub: 'fuzz:operator', role: 'operator' },
  arbiter: { sub: 'fuzz:arbiter', role: 'arbiter', region: '320700' },
  anonymous: null,
};

const CHECKS = ['not_a_server_error', 'response_schema_conformance'];

const say = (msg: string): void => console.log(`[fuzz] ${msg}`);

const step = <T>(label: string, f: () => Promise<T>): Promise<T> => timed(label, f, '[fuzz]');

class Aborted extends Error {}
class UsageError extends Error {}
let interrupted: NodeJS.Signals | undefined;
const checkpoint = (): void => {
  if (interrupted) throw new Aborted(interrupted);
};

const cleanups: Array<{ label: string; run: () => Promise<unknown> }> = [];

// --- options ---------------------------------------------------------------------------------

interface Options {
  maxExamples: number;
  seed: number;
  roles: string[];
  workers: number;
  extra: string[];
}

function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'max-examples': { type: 'string', default: '30' },
      seed: { type: 'string', default: '20260101' },
      role: { type: 'string', multiple: true },
      // More threads buy nothing on a small machine (generation is CPU-bound, like the API), make
      // the order of requests and so the outcome less reproducible, and with Python 3.11 before
      // 3.11.8 they trip a CPython bug (SystemError "AST constructor recursion depth mismatch").
      workers: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    const doc = fs.readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
    console.log(doc.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, ''));
    process.exit(0);
  }
  const int = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, not ${v}`);
    return n;
  };
  const roles = values.role ?? Object.keys(ROLES);
  for (const r of roles) if (!Object.hasOwn(ROLES, r)) throw new UsageError(`--role ${r}: one of ${Object.keys(ROLES).join(', ')}`);
  return {
    maxExamples: int('max-examples', values['max-examples'], 1, 100_000),
    seed: int('seed', values.seed, 0, 2 ** 31 - 1),
    roles,
    workers: int('workers', values.workers, 1, 64),
    extra: positionals,
  };
}

// --- schemathesis ----------------------------------------------------------------------------

async function installedVersion(exe: string): Promise<string | null> {
  if (!isExecutable(exe)) return null;
  try {
    const res = await runChecked(exe, ['--version'], { timeoutMs: 60_000 });
    return /version\s+(\S+)/.exec(res.stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** <root>/.venv/bin/schemathesis at the pinned version, pip-installing it when missing or different. */
async function ensureSchemathesis(): Promise<string> {
  const venv = path.join(projectRoot, '.venv');
  const exe = path.join(venv, 'bin', 'schemathesis');
  if ((await installedVersion(exe)) === SCHEMATHESIS_VERSION) return exe;
  const pip = path.join(venv, 'bin', 'pip');
  if (!isExecutable(pip)) {
    const python = which('python3');
    if (!python) throw new Error('python3 not found on PATH; it is needed to install schemathesis from PyPI');
    await runChecked(python, ['-m', 'venv', venv]);
  }
  await step(`installed ${SCHEMATHESIS_PIP} into ${path.relative(projectRoot, venv)}/`, () =>
    runChecked(pip, ['install', '--quiet', '--disable-pip-version-check', '--no-input', SCHEMATHESIS_PIP], { timeoutMs: 10 * 60_000 }),
  );
  const v = await installedVersion(exe);
  if (v !== SCHEMATHESIS_VERSION) throw new Error(`${SCHEMATHESIS_PIP} installed but ${exe} reports ${v ?? 'nothing'}`);
  return exe;
}

interface Hang {
  role: string;
  attempt: number;
  /** The API process exited instead of hanging. */
  exited: boolean;
  operation: string | null;
  request: InFlight | null;
  /** Other requests the API had not answered either (queued behind it). */
  others: InFlight[];
  /** The failed /healthz probes. */
  probes: string[];
  curl: string | null;
}

interface RoleResult {
  role: string;
  code: number;
  ms: number;
  operations?: { selected: number; tested: number; errored: number; skipped: number };
  cases: number;
  failures: Array<{ title: string; count: number; operations: string[] }>;
  errors: Array<{ title: string; count: number }>;
  hangs: Hang[];
  excluded: string[];
  /** What the API answered, by operation and status code (counted by the proxy). */
  statuses: Record<string, Record<string, number>>;
}

function addStatuses(into: RoleResult['statuses'], from: RoleResult['statuses']): void {
  for (const [op, byStatus] of Object.entries(from)) {
    const to = (into[op] ??= {});
    for (const [status, n] of Object.entries(byStatus)) to[status] = (to[status] ?? 0) + n;
  }
}

interface JsonReport {
  operations: { selected: number; tested: number; errored: number; skipped: number } | null;
  test_cases: { generated: number };
  failures: Array<{ title: string; count: number; operations: string[] }>;
  errors: Array<{ title: string; count: number }>;
}

let child: ReturnType<typeof spawn> | undefined;

function schemathesisArgs(opts: Options, base: string, token: string | null, reportJson: string, junit: string, excluded: Iterable<string>): string[] {
  return [
    'run', `${base}/openapi.json`,
    '--checks', CHECKS.join(','),
    '--max-examples', String(opts.maxExamples),
    '--seed', String(opts.seed),
    '--workers', String(opts.workers),
    '--request-timeout', String(REQUEST_TIMEOUT_S),
    // The stateful phase follows OpenAPI links, which the document does not declare; what it
    // would infer costs more than it finds here. Examples, coverage and fuzzing run per operation.
    '--phases', 'examples,coverage,fuzzing',
    '--generation-database', 'none',
    '--report', 'json,junit',
    '--report-dir', path.dirname(reportJson),
    '--report-json-path', reportJson,
    '--report-junit-path', junit,
    '--no-color',
    ...[...excluded].flatMap((name) => ['--exclude-name', name]),
    ...(token ? ['--header', `Authorization: Bearer ${token}`] : []),
    ...opts.extra,
  ];
}

function runSchemathesis(exe: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    // Same process group as us: Ctrl-C in the terminal reaches it directly.
    child = spawn(exe, args, { cwd: runRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const s of [child.stdout!, child.stderr!]) {
      s.on('data', (d: Buffer) => {
        process.stdout.write(d);
        out.write(d);
      });
    }
    child.once('error', (e) => {
      console.error(`[fuzz] cannot run ${exe}: ${e.message}`);
      out.end();
      child = undefined;
      resolve(1);
    });
    child.once('close', (code, signal) => {
      out.end();
      child = undefined;
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/** null when GET /healthz answers within the probe timeout, else why not. */
async function probe(base: string): Promise<string | null> {
  const t0 = Date.now();
  try {
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    // Any answer (a 429 from the rate limit, a 503) shows the event loop is alive.
    return null;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return `${err.name === 'TimeoutError' ? 'no answer' : (err.cause?.code ?? err.message)} after ${Date.now() - t0} ms`;
  }
}

interface Unresponsive {
  exited: boolean;
  /** Requests the API had not answered, oldest first. */
  inFlight: InFlight[];
  probes: string[];
}

/**
 * Watches the API while schemathesis runs. Resolves once /healthz has failed PROBES_TO_HANG
 * times in a row (or the API process exited); never resolves otherwise.
 */
function watchApi(apiBase: string, api: () => AppProc, proxy: RecordingProxy, stop: { done: boolean }): Promise<Unresponsive> {
  return new Promise((resolve) => {
    void (async () => {
      const misses: string[] = [];
      while (!stop.done) {
        const t = Date.now();
        if (api().exited()) return resolve({ exited: true, inFlight: proxy.inFlight(), probes: misses });
        const why = await probe(apiBase);
        if (stop.done) return;
        if (why === null) {
          misses.length = 0;
        } else {
          misses.push(`${new Date(t).toISOString()} ${why}`);
          if (misses.length >= PROBES_TO_HANG) return resolve({ exited: false, inFlight: proxy.inFlight(), probes: misses });
        }
        await sleep(Math.max(0, PROBE_EVERY_MS - (Date.now() - t)));
      }
    })();
  });
}

// --- the stack -------------------------------------------------------------------------------

async function startPostgres(): Promise<string> {
  cleanups.push({ label: 'PostgreSQL stopped', run: () => stopLocalPostgres(pgDataDir) });
  const pg = await step('PostgreSQL started', async () =>
    startLocalPostgres({ dataDir: pgDataDir, port: await findFreePort(), logFile: path.join(logsDir, 'postgres.log'), dbNames: [], fast: true }),
  );
  checkpoint();
  const url = pg.url(FUZZ_DB);
  await step(`database ${FUZZ_DB} created`, () => recreateDatabase(pg.url('postgres'), FUZZ_DB));
  checkpoint();
  const { runMigrations } = await import('../db/migrate.js');
  await step('migrations applied', () => runMigrations(url));
  checkpoint();
  const { seedDemo } = await import('./seed.js');
  await step('demo data seeded', () => seedDemo(url));
  return url;
}

async function startTemporal(config: AppConfig): Promise<{ address: string; uiUrl: string }> {
  const { dev } = await startDevServerWithAttributes({
    projectRoot,
    dataDir: temporalDataDir,
    logFile: path.join(logsDir, 'temporal.log'),
    pidFile: temporalPidFile,
    extraArgs: devServerExtraArgs(config.temporal.devServer),
    searchAttributes: config.temporal.searchAttributes,
    step,
    checkpoint,
    started: (d) => cleanups.push({ label: 'Temporal dev server stopped', run: d.stop }),
  });
  return { address: dev.address, uiUrl: dev.uiUrl };
}

interface AppProc {
  pid: number;
  exited: () => Error | undefined;
}

/** Worker or API in its own process group (Ctrl-C reaches only us; we stop them in order). */
function startApp(name: 'api' | 'worker', env: NodeJS.ProcessEnv): AppProc {
  const entry = APP_ENTRY[name];
  const logFile = path.join(logsDir, `${name}.log`);
  const c = spawnLogged(process.execPath, ['--import', 'tsx', entry], { logFile, env, cwd: projectRoot, detached: true });
  if (!c.pid) throw new Error(`could not start the ${name} (${entry})`);
  const pid = c.pid;
  writePidFile(path.join(runRoot, `${name}.pid`), pid);
  let exited: Error | undefined;
  c.once('exit', (code, signal) => {
    exited = new Error(`the ${name} exited (${signal ? `signal ${signal}` : `code ${code}`}); last lines of ${logFile}:\n${tailFile(logFile)}`);
  });
  return { pid, exited: () => exited };
}

// --- main ------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: Options;
  let config: AppConfig;
  try {
    opts = parseOptions(process.argv.slice(2));
    config = loadConfig({ ...process.env, JWT_DEV_KEY_FILE: keyFile });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`Configuration error:\n${e.message}\n`);
      return 78;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`[fuzz] ${(e as Error).message}\n`);
      return 64;
    }
    throw e;
  }

  await clearDeadRuns();

  const onSignal = (signal: NodeJS.Signals): void => {
    if (!interrupted) interrupted = signal;
    // A `kill` aimed at npm only reaches us; after Ctrl-C schemathesis has the signal itself.
    const c = child;
    setTimeout(() => {
      if (c?.pid && c.exitCode === null && c.signalCode === null) killTree(c.pid, 'SIGINT');
    }, 1500).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const t0 = Date.now();
  const results: RoleResult[] = [];
  let code = 1;
  try {
    fs.mkdirSync(logsDir, { recursive: true });
    const [st, pg, temporal] = await Promise.allSettled([ensureSchemathesis(), startPostgres(), startTemporal(config)]);
    for (const r of [st, pg, temporal]) if (r.status === 'rejected') throw r.reason;
    const exe = (st as PromiseFulfilledResult<string>).value;
    const databaseUrl = (pg as PromiseFulfilledResult<string>).value;
    const { address, uiUrl } = (temporal as PromiseFulfilledResult<{ address: string; uiUrl: string }>).value;
    checkpoint();

    // Tokens first: signDevToken creates the key file the API then verifies with.
    const { signDevToken } = await import('../api/auth.js');
    const tokens = new Map<string, string | null>();
    for (const [role, p] of Object.entries(ROLES)) tokens.set(role, p ? await signDevToken(config, p, '4h') : null);
    const smsReceiptToken = randomBytes(24).toString('base64url');

    const port = await findFreePort();
    const apiBase = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['TEMPORAL_API_KEY', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'NODE_ENV']) delete env[k];
    Object.assign(env, {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: uiUrl,
      JWT_DEV_KEY_FILE: keyFile,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      // Without it POST /v1/sms/receipts answers 503 by design; configured, its code runs.
      SMS_RECEIPT_TOKEN: smsReceiptToken,
      // One client sends thousands of requests a minute here; the limit would answer most with 429.
      RATE_LIMIT_MAX: '10000000',
    });
    const worker = startApp('worker', env);
    cleanups.push({ label: 'worker stopped', run: () => stopGracefully(worker.pid, 20_000) });
    let api = startApp('api', env);
    cleanups.push({ label: 'api stopped', run: () => stopGracefully(api.pid, 10_000) });
    const died = (): Error | undefined => (interrupted ? new Aborted(interrupted) : (api.exited() ?? worker.exited()));
    await step(`worker and API up on ${apiBase}`, () => waitForHttpOk(`${apiBase}/healthz`, HEALTH_TIMEOUT_MS, died));

    // schemathesis talks to the API through the recording proxy (see scripts/fuzz/proxy.ts).
    const spec = (await (await fetch(`${apiBase}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const templates = Object.keys(spec.paths);
    const operations = Object.entries(spec.paths).flatMap(([t, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${t}`));
    const proxy = await startRecordingProxy(port, templates);
    cleanups.push({ label: 'proxy closed', run: () => proxy.close() });
    const base = `http://127.0.0.1:${proxy.port}`;
    say(`stack ready (${seconds(Date.now() - t0)}); schemathesis ${SCHEMATHESIS_VERSION} on ${templates.length} paths, ` +
      `checks ${CHECKS.join(', ')}, --max-examples ${opts.maxExamples} --seed ${opts.seed}`);

    const restartApi = async (): Promise<void> => {
      // A request that blocks the event loop also blocks a graceful shutdown.
      killTree(api.pid, 'SIGKILL');
      await waitForExit(api.pid, 10_000);
      api = startApp('api', env);
      await step('API restarted', () => waitForHttpOk(`${apiBase}/healthz`, HEALTH_TIMEOUT_MS, died));
    };

    const fixtures = await step('fixtures built (cases, tasks, a linkage)', () =>
      buildFixtures(apiBase, { approval: tokens.get('approval')!, supervision: tokens.get('supervision')!, operator: tokens.get('operator')! }, smsReceiptToken),
    );
    for (const p of fixtures.problems) say(`warning: fixture: ${p}`);
    checkpoint();

    const stEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', FUZZ_FIXTURES: JSON.stringify(fixtures.values) };
    if (fs.existsSync(hooksFile)) stEnv.SCHEMATHESIS_HOOKS = hooksFile;
    // An operation that hung the API is reported once, then left out of the later runs.
    const excluded = new Set<string>();

    for (const role of opts.roles) {
      checkpoint();
      const err = died();
      if (err) throw err;
      const roleDir = path.join(reportDir, role);
      fs.mkdirSync(roleDir, { recursive: true });
      const token = tokens.get(role)!;
      say(`--- ${role}${ROLES[role] ? ` (${describe(ROLES[role]!)})` : ' (no token)'} ---`);
      const t1 = Date.now();
      const result: RoleResult = { role, code: 0, ms: 0, cases: 0, failures: [], errors: [], hangs: [], excluded: [], statuses: {} };
      for (let attempt = 1; ; attempt++) {
        result.excluded = [...excluded];
        const reportJson = path.join(roleDir, `report-${attempt}.json`);
        const args = schemathesisArgs(opts, base, token, reportJson, path.join(roleDir, `junit-${attempt}.xml`), excluded);
        const stop = { done: false };
        const run = runSchemathesis(exe, args, path.join(roleDir, 'output.txt'), { ...stEnv, FUZZ_TOKEN: token ?? '' });
        const outcome = await Promise.race([run.then((rc) => ({ rc })), watchApi(apiBase, () => api, proxy, stop).then((w) => ({ w }))]);
        stop.done = true;
        if ('rc' in outcome) {
          addStatuses(result.statuses, proxy.takeStatuses());
          result.code = outcome.rc;
          mergeReport(result, reportJson, true);
          break;
        }
        // The API stopped answering: name the request, stop this attempt, restart the API.
        const [first, ...others] = outcome.w.inFlight;
        const operation = first ? operationOf(first.method, first.url, templates) : null;
        const hang: Hang = {
          role,
          attempt,
          exited: outcome.w.exited,
          operation,
          request: first ?? null,
          others: others.slice(0, 5),
          probes: outcome.w.probes,
          curl: first ? curlOf(first, token !== null) : null,
        };
        result.hangs.push(hang);
        say(`!!! the API ${hang.exited ? 'exited' : 'stopped answering'} during ${role}; ` +
          (first ? `oldest unanswered request: ${first.method} ${first.url}${first.body ? ` with body ${first.body}` : ''}` : 'no request was in flight') +
          `; /healthz: ${outcome.w.probes.join('; ')}`);
        const c = child;
        if (c?.pid) {
          killTree(c.pid, 'SIGINT');
          if (!(await waitForExit(c.pid, 10_000))) killTree(c.pid, 'SIGKILL');
        }
        await run;
        addStatuses(result.statuses, proxy.takeStatuses());
        mergeReport(result, reportJson, false);
        await restartApi();
        checkpoint();
        if (!operation || excluded.has(operation) || attempt >= MAX_ATTEMPTS) break;
        excluded.add(operation);
        say(`running ${role} again without ${operation}`);
      }
      result.ms = Date.now() - t1;
      results.push(result);
      fs.writeFileSync(path.join(roleDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
      checkpoint();
    }
    code = printSummary(results, Date.now() - t0, operations);
  } catch (e) {
    if (e instanceof Aborted) {
      say(`interrupted (${e.message})`);
      code = 130;
    } else {
      console.error(`[fuzz] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      code = 1;
    }
    if (results.length) printSummary(results, Date.now() - t0);
  } finally {
    if (child?.pid) killTree(child.pid, 'SIGINT');
    for (const c of cleanups.reverse()) {
      try {
        const t1 = Date.now();
        if ((await c.run()) !== false) say(`${c.label} (${seconds(Date.now() - t1)})`);
      } catch (e) {
        console.error(`[fuzz] ${c.label}: ${(e as Error).message}`);
      }
    }
    keepReports();
    fs.rmSync(runRoot, { recursive: true, force: true });
  }
  return code;
}

const describe = (p: Principal): string =>
  [p.role, p.department, p.division, p.region && `region ${p.region}`].filter(Boolean).join(' ');

/** Adds one attempt's schemathesis JSON report to the role's result. */
function mergeReport(result: RoleResult, reportFile: string, complete: boolean): void {
  let r: JsonReport;
  try {
    r = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JsonReport;
  } catch {
    if (complete) result.errors.push({ title: `no report (schemathesis exit ${result.code})`, count: 1 });
    return;
  }
  if (complete && r.operations) result.operations = r.operations;
  result.cases += r.test_cases.generated;
  for (const f of r.failures) {
    const same = result.failures.find((g) => g.title === f.title);
    if (same) {
      same.count += f.count;
      same.operations = [...new Set([...same.operations, ...f.operations])];
    } else {
      result.failures.push({ title: f.title, count: f.count, operations: f.operations });
    }
  }
  // An interrupted attempt's errors are the timeouts the hang caused; the hang says it.
  if (complete) result.errors.push(...r.errors);
}

function printSummary(results: RoleResult[], totalMs: number, operations: string[] = []): number {
  const lines = ['', 'role               operations  cases  failures  errors  hangs  exit  time'];
  let bad = false;
  for (const r of results) {
    const failures = r.failures.reduce((n, f) => n + f.count, 0);
    const errors = r.errors.reduce((n, e) => n + e.count, 0);
    if (r.code !== 0 || failures || errors || r.hangs.length) bad = true;
    const ops = r.operations ? `${r.operations.tested}/${r.operations.selected}` : '-';
    lines.push(
      `${r.role.padEnd(18)} ${ops.padStart(10)}  ${String(r.cases).padStart(5)}  ${String(failures).padStart(8)}  ` +
        `${String(errors).padStart(6)}  ${String(r.hangs.length).padStart(5)}  ${String(r.code).padStart(4)}  ${seconds(r.ms)}`,
    );
    for (const f of r.failures) lines.push(`    failure: ${f.title} (${f.count}) in ${f.operations.join(', ')}`);
    for (const e of r.errors) lines.push(`    error: ${e.title} (${e.count})`);
    for (const h of r.hangs) {
      lines.push(`    hang: the API ${h.exited ? 'exited' : 'stopped answering'} on ${h.operation ?? 'an unknown request'}`);
      if (h.curl) lines.push(`      reproduce: ${h.curl}`);
    }
    if (r.excluded.length) lines.push(`    not fuzzed in this run (hung earlier): ${r.excluded.join(', ')}`);
  }
  // Depth: an operation no role ever got a 2xx from was only fuzzed at its validation and checks.
  const all: RoleResult['statuses'] = {};
  for (const r of results) addStatuses(all, r.statuses);
  fs.mkdirSync(reportDir, { recursive: true });
  fs.writeFileSync(path.join(reportDir, 'statuses.json'), `${JSON.stringify(all, null, 2)}\n`);
  const never = operations.filter((op) => !Object.keys(all[op] ?? {}).some((s) => s.startsWith('2')));
  if (never.length) {
    lines.push('', `no 2xx answer in this run from (${never.length}): ${never.join(', ')}`);
  }
  lines.push('', `${bad ? 'FAILED' : 'passed'}: ${results.length} run(s) in ${seconds(totalMs)}; reports and logs in ${path.relative(process.cwd(), lastDir) || lastDir}/`);
  console.log(lines.join('\n'));
  return bad ? 1 : 0;
}

/** Replaces .data/fuzz/last with this run's reports and the API / worker logs. */
function keepReports(): void {
  try {
    if (!fs.existsSync(reportDir)) return;
    for (const name of ['api.log', 'worker.log']) {
      const f = path.join(logsDir, name);
      if (fs.existsSync(f)) fs.copyFileSync(f, path.join(reportDir, name));
    }
    fs.rmSync(lastDir, { recursive: true, force: true });
    fs.renameSync(reportDir, lastDir);
  } catch (e) {
    console.error(`[fuzz] could not keep the reports: ${(e as Error).message}`);
  }
}

/** Removes the directories of earlier runs whose process is gone, stopping servers they left. */
async function clearDeadRuns(): Promise<void> {
  if (!fs.existsSync(fuzzDir)) return;
  for (const name of fs.readdirSync(fuzzDir)) {
    const pid = /^run-(\d+)$/.exec(name)?.[1];
    if (!pid || isPidAlive(Number(pid))) continue;
    const dir = path.join(fuzzDir, name);
    for (const [app, entry] of Object.entries(APP_ENTRY)) {
      const p = readPidFile(path.join(dir, `${app}.pid`)) ?? undefined;
      if (isOurProcess(p, entry)) await terminate(p!, 10_000);
    }
    await stopLocalPostgres(path.join(dir, 'pg')).catch(() => false);
    const dev = liveDevServer(path.join(dir, 'temporal.pid'));
    if (dev) await terminate(dev, 5_000);
    if (livePostmaster(path.join(dir, 'pg'))) continue; // could not stop it; leave the dir
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A closed terminal or pipe must not cut the clean-up short.
for (const s of [process.stdout, process.stderr]) s.on('error', () => {});

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('[fuzz] unexpected error:', e);
    process.exit(1);
  },
);
