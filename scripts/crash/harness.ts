// The crash test as a function, shared by scripts/crash-test.ts and test/crash/crash.test.ts:
// bring up a private stack, drive N cases through the loop over HTTP (most compliant, every k-th
// through revocation: paths.ts) while the chaos loop kills the worker and restarts Temporal and
// PostgreSQL, then stop the chaos, let the worker settle, check the invariants, tear everything
// down.
import os from 'node:os';
import { signDevToken, type Principal } from '../../api/auth.js';
import { DEMO } from '../seed.js';
import { Chaos, type ChaosFigures, type ChaosPlan } from './chaos.js';
import { checkInvariants, type CheckResult } from './checks.js';
import { Driver, type CaseRecord, type DriverStats } from './driver.js';
import { PATH_NAMES, PATHS, REVOCATION_EVERY, type PathName } from './paths.js';
import { createRng } from './rng.js';
import { startCrashStack, type CrashStack } from './stack.js';
import { sleep } from '../stack/proc.js';

/**
 * Times in ms: `deadlineMs` gives up driving (the run fails), `settleMs` (default 5 s) lets the
 * worker run on after the last case closed before the checks, `stallMs` (default 4 minutes)
 * gives up a case without progress. `claimWhen`: the inspector claims as soon as the task is in
 * the inbox (default) or after the SMS. `revocationEvery`: every k-th case (offset by the seed)
 * takes the revocation path (default 4; 0: none). `keep`: keep the run dir of a run that passes too (a
 * failed run always keeps it). `bundlePath`: a workflow bundle to reuse (npm test's).
 * `interrupted`: set by the caller (Ctrl-C), stops driving and chaos, then tears down.
 */
export interface CrashTestOptions {
  cases: number;
  concurrency: number;
  seed: number;
  plan: ChaosPlan;
  deadlineMs: number;
  settleMs?: number;
  stallMs?: number;
  claimWhen?: 'inbox' | 'notified';
  revocationEvery?: number;
  keep?: boolean;
  runDir?: string;
  bundlePath?: string;
  log?: (msg: string) => void;
  interrupted?: () => boolean;
}

/** `driveMs`: driving only (first submit to last close). */
export type CrashTestResult = Record<'seed' | 'cases' | 'closed' | 'kills' | 'temporalRestarts' | 'postgresRestarts' | 'duplicates' | 'missing' | 'orphans' | 'elapsedMs' | 'driveMs' | 'setupMs', number> & {
  claimWhen: 'inbox' | 'notified';
  /** Per path: its cases, how many ended as it expects, how many of their expected effects were checked. */
  paths: CheckResult['paths'];
  ok: boolean;
  interrupted: boolean;
  chaos: ChaosFigures;
  http: DriverStats;
  checks: CheckResult;
  caseDurations: { median: number; p95: number; max: number };
  runDir: string;
  machine: string;
};

/** Drives the cases while the chaos loop runs; resolves once both stopped (the stack is whole again). */
async function driveUnderChaos(crash: CrashStack, o: CrashTestOptions, log: (msg: string) => void): Promise<{ driver: Driver; chaos: Chaos; driveMs: number }> {
  const { stack } = crash;
  const rng = createRng(o.seed);
  const token = (p: Principal) => signDevToken(stack.config, p);
  const inspector = {} as Record<PathName, string>;
  for (const name of PATH_NAMES) inspector[name] = await token({ sub: `supervision:crash-inspector-${name}`, role: 'supervision', department: PATHS[name].department, division: PATHS[name].division });
  const tokens = { approver: await token({ sub: 'approval:crash-clerk', role: 'approval', department: DEMO.training.approvalDepartment }), inspector };
  const t0 = Date.now();
  let chaosFailed = false;
  const claimWhen = o.claimWhen ?? 'inbox';
  const stopped = () => (o.interrupted?.() ?? false) || chaosFailed;
  const driver = new Driver({ baseUrl: stack.apiUrl, tokens, cases: o.cases, seed: o.seed, revocationEvery: o.revocationEvery ?? REVOCATION_EVERY, concurrency: o.concurrency, rng, prefix: `${DEMO.training.approvalDepartment}-CT${o.seed % 100000}`, deadline: t0 + o.deadlineMs, stopped, stallMs: o.stallMs ?? 240_000, claimWhen, log });
  const chaos = new Chaos(crash, o.plan, rng, () => driver.progress(), log);
  const p = o.plan;
  log(`driving ${o.cases} cases (${pathCounts(driver.cases)}; ${o.concurrency} at a time, seed ${o.seed}, claim ${claimWhen === 'notified' ? 'after the SMS' : 'from the inbox'}); chaos: worker kills every ${p.killEveryMs.map((m) => m / 1000).join('-')} s${p.minKills ? ` (at least ${p.minKills}, placed by progress)` : ''}, ${p.temporalRestarts} Temporal and ${p.postgresRestarts} PostgreSQL restart(s)`);
  const ticker = setInterval(() => {
    const [f, st] = [chaos.figures, driver.stats];
    log(`${driver.closed()}/${o.cases} closed, ${(driver.progress() * 100).toFixed(0)} % of steps; kills ${f.kills}, Temporal restarts ${f.temporalRestarts}, PostgreSQL restarts ${f.postgresRestarts}; HTTP retries ${st.networkErrors + st.timeouts + st.serverErrors}`);
  }, 15_000);
  const chaosDone = chaos.run().catch((e: unknown) => {
    chaosFailed = true;
    log(`chaos loop failed: ${(e as Error).stack ?? String(e)}`);
  });
  try {
    await driver.run();
  } finally {
    clearInterval(ticker);
    chaos.stop();
    await chaosDone;
  }
  const driveMs = Date.now() - t0;
  log(`driving done in ${(driveMs / 1000).toFixed(1)} s: ${driver.closed()}/${o.cases} closed; chaos stopped`);
  return { driver, chaos, driveMs };
}

export async function runCrashTest(o: CrashTestOptions): Promise<CrashTestResult> {
  const log = o.log ?? ((m: string) => console.log(`[crash] ${m}`));
  const t0 = Date.now();
  const crash = await startCrashStack({ runDir: o.runDir, bundlePath: o.bundlePath });
  const { stack } = crash;
  let result: CrashTestResult | undefined;
  try {
    const setupMs = Date.now() - t0;
    const { driver, chaos, driveMs } = await driveUnderChaos(crash, o, log);
    // Make sure a worker runs, and give it a few seconds for anything still in flight to land.
    if (stack.worker?.gone() ?? true) await stack.startWorker();
    await sleep(o.settleMs ?? 5000);
    const checks = await checkInvariants(stack.databaseUrl, driver.cases, { connection: crash.connection, namespace: 'default' });
    const f = chaos.figures;
    const interrupted = o.interrupted?.() ?? false;
    const { closed, duplicates, missing, orphans } = checks;
    const ok = !interrupted && closed === o.cases && duplicates + missing + orphans === 0 && checks.workflows.notCompleted.length === 0 && f.findings.length === 0;
    const cpu = os.cpus();
    result = {
      ...{ seed: o.seed, claimWhen: o.claimWhen ?? 'inbox', cases: o.cases, closed, paths: checks.paths, duplicates, missing, orphans, ok, interrupted },
      ...{ kills: f.kills, temporalRestarts: f.temporalRestarts, postgresRestarts: f.postgresRestarts, chaos: f, http: driver.stats, checks },
      ...{ elapsedMs: 0, driveMs, setupMs, caseDurations: durations(driver.cases), runDir: stack.dir },
      machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}`,
    };
  } finally {
    // A failed run keeps its run dir (logs, data) for the post-mortem; the path is printed.
    const keep = (o.keep ?? false) || !result?.ok;
    await crash.connection.close().catch(() => {});
    await stack.stop({ keep });
    if (keep && !o.keep) log(`run dir kept for inspection: ${stack.dir}`);
  }
  result.elapsedMs = Date.now() - t0;
  return result;
}

/** "12 compliant, 4 revocation" */
function pathCounts(cases: CaseRecord[]): string {
  return PATH_NAMES.map((p) => `${cases.filter((c) => c.path === p).length} ${p}`).join(', ');
}

function durations(cases: CaseRecord[]): { median: number; p95: number; max: number } {
  const d = cases.filter((c) => c.steps.closed).map((c) => c.steps.closed! - c.startedAt).sort((a, b) => a - b);
  const at = (q: number) => d[Math.min(d.length - 1, Math.floor(q * d.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), max: d[d.length - 1] ?? 0 };
}

/** The figures block both the script and the test print. */
export function formatResult(r: CrashTestResult): string {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const f = r.chaos;
  const lines = [
    '',
    '  crash test figures',
    `    cases ${r.cases}, closed ${r.closed} (${PATH_NAMES.map((p) => `${p} ${r.paths[p].ended}/${r.paths[p].cases}`).join(', ')}), kills ${r.kills}, temporal restarts ${r.temporalRestarts}, postgres restarts ${r.postgresRestarts}, duplicates ${r.duplicates}, effects missing ${r.missing}, elapsed ${s(r.elapsedMs)} s`,
    '',
    `    seed ${r.seed}, claims ${r.claimWhen === 'notified' ? 'after the SMS' : 'from the inbox'}; set-up ${s(r.setupMs)} s, driving ${s(r.driveMs)} s; case duration median ${s(r.caseDurations.median)} s, p95 ${s(r.caseDurations.p95)} s, max ${s(r.caseDurations.max)} s`,
    `    paths: ${PATH_NAMES.map((p) => `${p} ${r.paths[p].cases} case(s), ${r.paths[p].ended} ended as expected (${PATHS[p].final}), ${r.paths[p].effects} expected effects checked`).join('; ')}`,
    `    orphan effects ${r.orphans}; workflows completed ${r.checks.workflows.completed}/${r.cases * 2}; API restarts ${f.apiRestarts}; worker exits by itself ${f.workerSelfExits}; findings ${f.findings.length}`,
    `    effects: ${r.checks.counts.notifications} notifications, ${r.checks.counts.gatewayMessages} gateway SMS (${r.checks.counts.reminders} reminders, ${r.checks.counts.escalations} escalations), ${r.checks.counts.creditRecords} credit records, ${r.checks.counts.platformRecords} on the platform, ${r.checks.counts.auditEvents} audit events`,
    `    HTTP: ${r.http.requests} requests, ${r.http.networkErrors} connection errors, ${r.http.timeouts} timeouts, ${r.http.serverErrors} 5xx/429 (retried), ${r.http.conflicts} 409 taken as done, ${r.http.unexpected} unexpected`,
    `    machine: ${r.machine}`,
  ];
  const section = (title: string, items: string[], max: number): string[] =>
    items.length ? [`    ${title}:`, ...items.slice(0, max).map((x) => `      ${x}`), ...(items.length > max ? [`      … ${items.length - max} more`] : [])] : [];
  const restarts = f.events.filter((e) => e.action !== 'worker-kill').map((e) => `${e.action}: ${e.detail}${e.recoveryMs !== undefined ? `; API ready and worker polling ${s(e.recoveryMs)} s later` : ''}`);
  const problems = [...f.findings.map((x) => `finding: ${x.what}`), ...r.checks.notClosed.map((x) => `not closed: ${x}`), ...r.checks.workflows.notCompleted.map((x) => `workflow: ${x}`), ...r.checks.details];
  lines.push(...section('restarts', restarts, 50), ...section('problems', problems, 50), ...section('HTTP samples', r.http.samples, 10));
  lines.push(`    result: ${r.ok ? 'OK' : r.interrupted ? 'INTERRUPTED' : 'FAILED'}`, '');
  return lines.join('\n');
}
