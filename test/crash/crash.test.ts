// The crash test at CI size (scripts/crash-test.ts runs the full one): 16 training-region cases
// through the whole loop over HTTP on a private stack (its own PostgreSQL, Temporal dev server,
// API and worker on free ports; never the servers `npm test` shares), while the worker is
// SIGKILLed a handful of times and Temporal and PostgreSQL are each restarted once. Every fourth
// case goes the revocation path (commitment untrue, not rectified, revoked by the approval
// department: scripts/crash/paths.ts), the others the compliant one. Every case must end as its
// path expects, and no SMS, credit record or audit step may be missing or there twice.
//
// The inspector claims straight from the inbox, as soon as the task row exists — while the
// push may still be being recorded, the race the workflow guards (a claim that arrives before
// the workflow knows its deadline waits for it and stands: test/workflows/claim-window.test.ts).
// CRASH_CLAIM_AFTER_SMS=1 claims only once the claim SMS is on the task's trail instead.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult, runCrashTest } from '../../scripts/crash/harness.js';

const CASES = 16;
const REVOCATION_EVERY = 4;

describe('crash test (CI size)', () => {
  it(
    'closes every case, compliant or revoked, with each effect exactly once through worker kills and Temporal and PostgreSQL restarts',
    async () => {
      // Reuse the workflow bundle the test set-up built (and the CLI `npm test` found: TEMPORAL_CLI_PATH).
      const built = process.env.TEST_RUN_DIR ? path.join(process.env.TEST_RUN_DIR, 'workflow-bundle.js') : undefined;
      const r = await runCrashTest({
        cases: CASES,
        concurrency: CASES,
        seed: 20261124,
        plan: {
          killEveryMs: [4_000, 9_000],
          workerDownMs: [300, 2_000],
          maxKills: 8,
          minKills: 3,
          temporalRestarts: 1,
          postgresRestarts: 1,
          temporalDownMs: [1_000, 3_000],
          postgresDownMs: [500, 2_000],
        },
        deadlineMs: 150_000,
        stallMs: 100_000,
        settleMs: 3_000,
        claimWhen: process.env.CRASH_CLAIM_AFTER_SMS === '1' ? 'notified' : 'inbox',
        revocationEvery: REVOCATION_EVERY,
        bundlePath: built,
        log: (m) => console.log(`[crash] ${m}`),
      });
      console.log(formatResult(r));

      expect(r.chaos.findings.map((f) => f.what), 'processes that did not recover').toEqual([]);
      expect(r.checks.notClosed, 'cases not closed').toEqual([]);
      expect(r.closed).toBe(CASES);
      expect(r.checks.workflows.notCompleted, 'workflows not completed').toEqual([]);
      expect(r.checks.details, 'duplicate, missing or orphan effects').toEqual([]);
      expect(r.duplicates).toBe(0);
      expect(r.missing).toBe(0);
      expect(r.orphans).toBe(0);
      // Both paths ran, every case of each ended as its path expects, and their effects were
      // looked for: per revoked case at least its five SMS and two credit records.
      expect(r.paths.revocation.cases).toBe(CASES / REVOCATION_EVERY);
      expect(r.paths.revocation.ended).toBe(r.paths.revocation.cases);
      expect(r.paths.revocation.effects).toBeGreaterThanOrEqual(r.paths.revocation.ended * 7);
      expect(r.paths.compliant.ended).toBe(CASES - CASES / REVOCATION_EVERY);
      expect(r.paths.compliant.effects).toBeGreaterThanOrEqual(r.paths.compliant.ended * 2);
      // The chaos really happened. minKills places kills by progress as well as by the clock,
      // so at least three land while cases are in flight however fast the run goes.
      expect(r.kills).toBeGreaterThanOrEqual(3);
      expect(r.temporalRestarts).toBe(1);
      expect(r.postgresRestarts).toBe(1);
    },
    240_000,
  );
});
