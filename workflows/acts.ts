// The activity proxy shared by both workflows, and a helper that gives each call a human
// summary, so the Temporal UI reads like the case file.
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Transient failures (database restart, provider timeout) retry with backoff for as long as
  // it takes; permanent ones are non-retryable ApplicationFailures thrown by the activity.
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

type ActivityName = keyof Activities;

/** Runs an activity with a one-line summary shown in the Temporal UI. */
export function run<K extends ActivityName>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  const fn = acts[name] as unknown as {
    executeWithOptions(o: ActivityOptions, a: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>>;
  };
  return fn.executeWithOptions({ summary } as ActivityOptions, args);
}

/**
 * The same activities as local activities: run by the worker inside the workflow task that
 * needs them, with no activity task through the server. For the one read-model write a
 * deadline must record at once (the midnight burst: docs/benchmarks.md). Same retry policy.
 */
export const localActs = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** runs `name` as a local activity, with its summary. */
export function runLocal<K extends ActivityName>(
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  const fn = localActs[name] as unknown as {
    executeWithOptions(o: LocalActivityOptions, a: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>>;
  };
  return fn.executeWithOptions({ summary } as LocalActivityOptions, args);
}
