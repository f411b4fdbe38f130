/**
 * `npm run crash-test [-- --cases N | --quick] [--seed S] [--concurrency C] [--deadline-min M]
 *   [--temporal-restarts T] [--postgres-restarts P] [--revocation-every K] [--claim-after-sms] [--keep]`
 *
 * Runs N cases (default 300; --quick: 20) of the training region (minutes for working days)
 * through the whole loop over HTTP, along two paths (scripts/crash/paths.ts):
 *
 *   compliant   TR-FOOD-01, standard route: submit, approve, claim, inspection, feedback
 *               compliant, case closed;
 *   revocation  every K-th case (default 4, offset by the seed; 0: none): TR-BUILD-01 on the
 *               commitment route (告知承诺, post-verification): submit, approve (licence at once),
 *               claim, inspection, feedback commitment-untrue with a rectification deadline,
 *               re-inspection not rectified, case revocation-pending, revocation executed by the
 *               approval department, case revoked and closed;
 *
 * while SIGKILLing the worker at random moments and restarting the Temporal dev server and
 * PostgreSQL a few times. Then it checks that every case ended as its path expects (closed; or
 * revoked, licence revoked, commitment broken), that each SMS and credit record of its path is
 * there exactly once (by business key and by logical effect: the claim notice; the broken
 * commitment on the credit platform and the revocation notices of a revoked case), none is
 * missing, and prints the figures with how many cases took each path. Exit code 0 only when all
 * of that holds.
 *
 * Its stack is its own (scripts/crash/stack.ts: .data/crash/run-<pid>) and is always torn
 * down; the run dir is removed unless --keep or the run failed.
 */
import { parseArgs } from 'node:util';
import { formatResult, runCrashTest } from './crash/harness.js';
import { parseSeed } from './crash/rng.js';
import { REVOCATION_EVERY } from './crash/paths.js';
import type { ChaosPlan } from './crash/chaos.js';

const USAGE = 'usage: crash-test [--cases N | --quick] [--seed S] [--concurrency C] [--deadline-min M] [--temporal-restarts T] [--postgres-restarts P] [--revocation-every K] [--claim-after-sms] [--keep]';

function options(argv: string[]) {
  const int = { type: 'string' } as const;
  const { values: v } = parseArgs({ args: argv, options: { cases: int, quick: { type: 'boolean' }, seed: int, concurrency: int, 'deadline-min': int, 'temporal-restarts': int, 'postgres-restarts': int, 'revocation-every': int, 'claim-after-sms': { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const n = (name: keyof typeof v, min = 1): number | undefined => {
    if (v[name] === undefined) return undefined;
    const x = Number(v[name]);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${name}: not an integer >= ${min}: ${v[name]}\n${USAGE}`);
    return x;
  };
  const cases = n('cases') ?? (v.quick ? 20 : 300);
  return { cases, seed: parseSeed(v.seed), concurrency: Math.min(n('concurrency') ?? 20, cases), deadlineMin: n('deadline-min') ?? Math.max(10, Math.ceil(cases / 6)), temporalRestarts: n('temporal-restarts', 0), postgresRestarts: n('postgres-restarts', 0), revocationEvery: n('revocation-every', 0) ?? REVOCATION_EVERY, claimAfterSms: !!v['claim-after-sms'], keep: !!v.keep };
}

async function main(): Promise<number> {
  let o: ReturnType<typeof options>;
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 64;
  }
  const plan: ChaosPlan =
    o.cases <= 50
      ? { killEveryMs: [5_000, 12_000], workerDownMs: [300, 3_000], minKills: 3, temporalRestarts: 1, postgresRestarts: 1, temporalDownMs: [1_000, 4_000], postgresDownMs: [500, 3_000] }
      : { killEveryMs: [4_000, 12_000], workerDownMs: [300, 3_000], minKills: 6, temporalRestarts: 3, postgresRestarts: 3, temporalDownMs: [1_000, 5_000], postgresDownMs: [500, 4_000] };
  plan.temporalRestarts = o.temporalRestarts ?? plan.temporalRestarts;
  plan.postgresRestarts = o.postgresRestarts ?? plan.postgresRestarts;
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => (interrupted = true));
  try {
    const r = await runCrashTest({ ...o, plan, deadlineMs: o.deadlineMin * 60_000, claimWhen: o.claimAfterSms ? 'notified' : 'inbox', interrupted: () => interrupted });
    console.log(formatResult(r));
    if (o.keep) console.log(`[crash] run dir kept: ${r.runDir}`);
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
