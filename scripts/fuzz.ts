/**
 * `npm run fuzz [-- options] [-- schemathesis args]`: property-based fuzzing of the OpenAPI
 * document (GET /openapi.json) with schemathesis, against a private stack (startStack in
 * .data/fuzz/run-<pid>: PostgreSQL with fsync off, a fresh migrated and seeded database, a dev
 * server, the worker and the API on free ports, the rate limit raised and SMS_RECEIPT_TOKEN
 * set). A few real cases, tasks and a linkage are made through the API first
 * (scripts/fuzz/fixtures.ts); scripts/fuzz/hooks.py feeds their identifiers to the generated
 * requests. Then one `schemathesis run <api>/openapi.json` per role (a bearer token for each,
 * plus one run without a token), checking `not_a_server_error` and
 * `response_schema_conformance`, in the examples, coverage, fuzzing and stateful phases (the
 * last follows the document's OpenAPI links; scripts/fuzz/schemathesis.toml). Prints a summary
 * per role and exits 1 if any run found a failure or an error (a request that timed out, the
 * API gone). The stack is stopped at the
 * end (also on Ctrl-C); the reports, schemathesis output and API / worker logs of the last run
 * stay in .data/fuzz/last/.
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
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Principal } from '../api/auth.js';
import { buildFixtures } from './fuzz/fixtures.js';
import { isExecutable, run, runChild, seconds, timed } from './stack/proc.js';
import { dataRoot, newRunDir, projectRoot } from './stack/record.js';
import { Interrupted, startStack, type Stack } from './stack/stack.js';
import { pipInstall } from './stack/temporal.js';

/** Verified with this version's `schemathesis run --help` (v4 CLI: -c/--checks, -n/--max-examples, --phases, --report json). */
const SCHEMATHESIS_PIP = 'schemathesis==4.32.5';
const CHECKS = ['not_a_server_error', 'response_schema_conformance'];
/** Per request: one the API never answers is an error of the run. */
const REQUEST_TIMEOUT_S = 15;
const lastDir = path.join(dataRoot, 'fuzz', 'last');
/** The settings the command line has no flag for: the stateful phase's (links only, steps per scenario). */
const CONFIG_FILE = path.join(projectRoot, 'scripts', 'fuzz', 'schemathesis.toml');

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

const say = (msg: string): void => console.log(`[fuzz] ${msg}`);

class UsageError extends Error {}

function parseOptions(argv: string[]) {
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
    console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, ''));
    process.exit(0);
  }
  const int = (name: string, v: string, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < (name === 'seed' ? 0 : 1) || n > max) throw new UsageError(`--${name} must be an integer up to ${max}, not ${v}`);
    return n;
  };
  const roles = values.role ?? Object.keys(ROLES);
  for (const r of roles) if (!Object.hasOwn(ROLES, r)) throw new UsageError(`--role ${r}: one of ${Object.keys(ROLES).join(', ')}`);
  return { maxExamples: int('max-examples', values['max-examples'], 100_000), seed: int('seed', values.seed, 2 ** 31 - 1), roles, workers: int('workers', values.workers, 64), extra: positionals };
}
type Options = ReturnType<typeof parseOptions>;

/** <root>/.venv/bin/schemathesis at the pinned version, pip-installed when missing or different. */
async function ensureSchemathesis(): Promise<string> {
  const exe = path.join(projectRoot, '.venv', 'bin', 'schemathesis');
  const version = async () => (isExecutable(exe) ? /version\s+(\S+)/.exec((await run(exe, ['--version'], { timeoutMs: 60_000 })).stdout)?.[1] : undefined);
  const wanted = SCHEMATHESIS_PIP.split('==')[1];
  if ((await version()) === wanted) return exe;
  await pipInstall(projectRoot, SCHEMATHESIS_PIP);
  if ((await version()) !== wanted) throw new Error(`${SCHEMATHESIS_PIP} installed but ${exe} does not report ${wanted}`);
  return exe;
}

function schemathesisArgs(o: Options, base: string, token: string | null, roleDir: string): string[] {
  const report = ['--report', 'json,junit', '--report-dir', roleDir, '--report-json-path', path.join(roleDir, 'report.json'), '--report-junit-path', path.join(roleDir, 'junit.xml')];
  // Examples, coverage and fuzzing per operation, then the stateful phase along the document's
  // links (api/openapi-links.ts; nothing inferred, see scripts/fuzz/schemathesis.toml).
  const phases = ['--phases', 'examples,coverage,fuzzing,stateful', '--generation-database', 'none'];
  const limits = ['--max-examples', String(o.maxExamples), '--seed', String(o.seed), '--workers', String(o.workers), '--request-timeout', String(REQUEST_TIMEOUT_S)];
  return ['--config-file', CONFIG_FILE, 'run', `${base}/openapi.json`, '--checks', CHECKS.join(','), ...limits, ...phases, ...report, '--no-color', ...(token ? ['--header', `Authorization: Bearer ${token}`] : []), ...o.extra];
}

/** A role's run: schemathesis' exit code, time, and what its report says. */
type RoleResult = { role: string; code: number; ms: number; operations?: { selected: number; tested: number }; cases: number; failures: Array<{ title: string; count: number; operations: string[] }>; errors: Array<{ title: string; count: number }> };

/** One schemathesis run for one role, read back from its JSON report. */
async function fuzzRole(exe: string, o: Options, stack: Stack, role: string, token: string | null, env: NodeJS.ProcessEnv): Promise<RoleResult> {
  const roleDir = path.join(stack.dir, 'report', role);
  fs.mkdirSync(roleDir, { recursive: true });
  const p = ROLES[role];
  say(`--- ${role} (${p ? [p.role, p.department, p.division, p.region && `region ${p.region}`].filter(Boolean).join(' ') : 'no token'}) ---`);
  const t0 = Date.now();
  const code = await runChild(exe, schemathesisArgs(o, stack.apiUrl, token, roleDir), { cwd: stack.dir, env: { ...env, FUZZ_TOKEN: token ?? '' }, tee: path.join(roleDir, 'output.txt') });
  const result: RoleResult = { role, code, ms: Date.now() - t0, cases: 0, failures: [], errors: [] };
  try {
    const r = JSON.parse(fs.readFileSync(path.join(roleDir, 'report.json'), 'utf8')) as Omit<RoleResult, 'role' | 'code' | 'ms' | 'cases'> & { test_cases: { generated: number } };
    Object.assign(result, { operations: r.operations ?? undefined, cases: r.test_cases.generated, failures: r.failures, errors: r.errors });
  } catch {
    result.errors.push({ title: `no report (schemathesis exit ${code})`, count: 1 });
  }
  // The API gone (crashed, or hung and killed by nobody) is a finding of this role's run.
  const gone = stack.api?.exitError();
  if (gone) result.errors.push({ title: gone.message, count: 1 });
  fs.writeFileSync(path.join(roleDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

function printSummary(results: RoleResult[], totalMs: number): number {
  const lines = ['', 'role               operations  cases  failures  errors  exit  time'];
  let bad = results.length === 0;
  for (const r of results) {
    const [failures, errors] = [r.failures, r.errors].map((xs) => xs.reduce((n, x) => n + x.count, 0));
    if (r.code !== 0 || failures || errors) bad = true;
    const ops = r.operations ? `${r.operations.tested}/${r.operations.selected}` : '-';
    lines.push(`${r.role.padEnd(18)} ${ops.padStart(10)}  ${String(r.cases).padStart(5)}  ${String(failures).padStart(8)}  ${String(errors).padStart(6)}  ${String(r.code).padStart(4)}  ${seconds(r.ms)}`);
    for (const f of r.failures) lines.push(`    failure: ${f.title} (${f.count}) in ${f.operations.join(', ')}`);
    for (const e of r.errors) lines.push(`    error: ${e.title.split('\n')[0]} (${e.count})`);
  }
  lines.push('', `${bad ? 'FAILED' : 'passed'}: ${results.length} run(s) in ${seconds(totalMs)}; reports and logs in ${path.relative(process.cwd(), lastDir)}/`);
  console.log(lines.join('\n'));
  return bad ? 1 : 0;
}

/** Replaces .data/fuzz/last with this run's reports and the API / worker logs. */
function keepReports(stack: Stack): void {
  const reportDir = path.join(stack.dir, 'report');
  fs.mkdirSync(reportDir, { recursive: true });
  for (const name of ['api.log', 'worker.log']) if (fs.existsSync(path.join(stack.logsDir, name))) fs.copyFileSync(path.join(stack.logsDir, name), path.join(reportDir, name));
  fs.rmSync(lastDir, { recursive: true, force: true });
  fs.renameSync(reportDir, lastDir);
}

async function fuzz(o: Options): Promise<number> {
  const t0 = Date.now();
  const installing = ensureSchemathesis().then((exe) => exe, (e: Error) => e);
  const smsReceiptToken = randomBytes(24).toString('base64url');
  const stack = await startStack({
    dir: await newRunDir('fuzz'),
    name: 'fuzz',
    ephemeral: true,
    signals: 'flag',
    postgres: { database: 'shenguan_fuzz', fast: true, fresh: true },
    migrate: true,
    seed: true,
    worker: true,
    api: true,
    // Without SMS_RECEIPT_TOKEN POST /v1/sms/receipts answers 503 by design; one client sends
    // thousands of requests a minute, which the rate limit would answer with 429.
    env: { LOG_LEVEL: 'warn', NODE_ENV: 'development', SMS_RECEIPT_TOKEN: smsReceiptToken, RATE_LIMIT_MAX: '10000000' },
  });
  const results: RoleResult[] = [];
  try {
    const exe = await installing;
    if (exe instanceof Error) throw exe;
    const { signDevToken } = await import('../api/auth.js');
    const tokens = new Map<string, string | null>();
    for (const [role, p] of Object.entries(ROLES)) tokens.set(role, p ? await signDevToken(stack.config, p, '4h') : null);
    const token = (role: string): string => tokens.get(role)!;
    const fixtures = await timed('[fuzz]', 'fixtures built (cases, tasks, a linkage)', () =>
      buildFixtures(stack.apiUrl, { approval: token('approval'), supervision: token('supervision'), operator: token('operator') }, smsReceiptToken),
    );
    for (const p of fixtures.problems) say(`warning: fixture: ${p}`);
    say(`stack ready (${seconds(Date.now() - t0)}); ${SCHEMATHESIS_PIP}, checks ${CHECKS.join(', ')}, --max-examples ${o.maxExamples} --seed ${o.seed}`);
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', FUZZ_FIXTURES: JSON.stringify(fixtures.values), SCHEMATHESIS_HOOKS: path.join(projectRoot, 'scripts', 'fuzz', 'hooks.py') };
    for (const role of o.roles) {
      stack.checkpoint();
      results.push(await fuzzRole(exe, o, stack, role, tokens.get(role)!, env));
      if (stack.api?.gone()) break;
    }
    stack.checkpoint();
    return printSummary(results, Date.now() - t0);
  } catch (e) {
    if (results.length) printSummary(results, Date.now() - t0);
    throw e;
  } finally {
    keepReports(stack);
    await stack.stop();
  }
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError) && !(e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw e;
    console.error(`[fuzz] ${(e as Error).message}`);
    return 64;
  }
  try {
    return await fuzz(o);
  } catch (e) {
    if (e instanceof Interrupted) return 130;
    console.error(`[fuzz] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
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
