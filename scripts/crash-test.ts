/**
 * `npm run crash-test [-- --cases N | --quick] [--seed S] [--concurrency C] [--deadline-min M]
 *   [--temporal-restarts T] [--postgres-restarts P] [--claim-after-sms] [--keep]`
 *
 * Runs N cases (default 300; --quick: 20) of the training region (TR-FOOD-01, minutes for
 * working days) through the whole loop over HTTP — submit, approve, claim, inspection,
 * feedback compliant, case closed — while SIGKILLing the worker at random moments and
 * restarting the Temporal dev server and PostgreSQL a few times. Then it checks that every case
 * is closed, no SMS and no credit record exists twice (by business key and by logical effect),
 * none is missing, and prints the figures. Exit code 0 only when all of that holds.
 *
 * Its stack is its own (.data/crash/run-<pid>: PostgreSQL, Temporal dev server with SQLite,
 * API, one worker, free ports) and is always torn down; the run dir is removed unless --keep.
 */
import { formatResult, runCrashTest } from './crash/harness.js';
import { parseSeed } from './crash/rng.js';
import type { ChaosPlan } from './crash/chaos.js';

const USAGE = 'usage: crash-test [--cases N | --quick] [--seed S] [--concurrency C] [--deadline-min M] [--temporal-restarts T] [--postgres-restarts P] [--claim-after-sms] [--keep]';

function parseArgs(argv: string[]) {
  const o = { cases: 300, quick: false, seed: undefined as string | undefined, concurrency: 20, deadlineMin: undefined as number | undefined, keep: false, claimAfterSms: false, temporalRestarts: undefined as number | undefined, postgresRestarts: undefined as number | undefined };
  let casesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    const positive = (v: string, min = 1): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a}: not an integer >= ${min}: ${v}\n${USAGE}`);
      return n;
    };
    if (a === '--cases') {
      o.cases = positive(value());
      casesGiven = true;
    } else if (a === '--quick') o.quick = true;
    else if (a === '--seed') o.seed = value();
    else if (a === '--concurrency') o.concurrency = positive(value());
    else if (a === '--deadline-min') o.deadlineMin = positive(value());
    else if (a === '--keep') o.keep = true;
    else if (a === '--claim-after-sms') o.claimAfterSms = true;
    else if (a === '--temporal-restarts') o.temporalRestarts = positive(value(), 0);
    else if (a === '--postgres-restarts') o.postgresRestarts = positive(value(), 0);
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (o.quick && !casesGiven) o.cases = 20;
  return o;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 64;
  }
  const small = args.cases <= 50;
  const plan: ChaosPlan = small
    ? { killEveryMs: [5_000, 12_000], workerDownMs: [300, 3_000], minKills: 3, temporalRestarts: 1, postgresRestarts: 1, temporalDownMs: [1_000, 4_000], postgresDownMs: [500, 3_000] }
    : { killEveryMs: [4_000, 12_000], workerDownMs: [300, 3_000], minKills: 6, temporalRestarts: 3, postgresRestarts: 3, temporalDownMs: [1_000, 5_000], postgresDownMs: [500, 4_000] };
  if (args.temporalRestarts !== undefined) plan.temporalRestarts = args.temporalRestarts;
  if (args.postgresRestarts !== undefined) plan.postgresRestarts = args.postgresRestarts;
  const seed = parseSeed(args.seed);
  const deadlineMs = (args.deadlineMin ?? Math.max(10, Math.ceil(args.cases / 6))) * 60_000;

  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!interrupted) console.log(`\n[crash] ${signal}: stopping and tearing down ...`);
      interrupted = true;
    });
  }

  try {
    const r = await runCrashTest({
      cases: args.cases,
      concurrency: Math.min(args.concurrency, args.cases),
      seed,
      plan,
      deadlineMs,
      keep: args.keep,
      claimWhen: args.claimAfterSms ? 'notified' : 'inbox',
      interrupted: () => interrupted,
    });
    console.log(formatResult(r));
    if (args.keep) console.log(`[crash] run dir kept: ${r.runDir}`);
    return r.ok ? 0 : interrupted ? 130 : 1;
  } catch (e) {
    console.error(`[crash] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return interrupted ? 130 : 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('[crash] unexpected error:', e);
    process.exit(1);
  },
);
