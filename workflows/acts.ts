// The activity proxy shared by both workflows, and a helper that gives each call a human
// summary, so the Temporal UI reads like the case file.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
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
