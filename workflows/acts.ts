// The activity proxies shared by both workflows (activity tasks, and local activities for what
// an update handler records), and helpers that give each call a human summary, so the Temporal
// UI reads like the case file.
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
 * What an update handler records (claim, inspection, feedback, re-inspection, rectification
 * order): a local activity, run inside the workflow task that accepted the update, so the
 * caller's answer needs one workflow task instead of a workflow task, an activity task and a
 * second workflow task (docs/benchmarks.md, "API under load"). Each of these activities only
 * writes the read model and the trail under a business key, so a re-run after a lost workflow
 * task repeats nothing. The same retry policy: a database outage is waited out, the update with it.
 */
export const localActs = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** `run`, as a local activity when `local` (see localActs). */
export function record<K extends ActivityName>(
  local: boolean,
  name: K,
  summary: string,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  if (!local) return run(name, summary, ...args);
  const fn = localActs[name] as unknown as {
    executeWithOptions(o: LocalActivityOptions, a: Parameters<Activities[K]>): Promise<Awaited<ReturnType<Activities[K]>>>;
  };
  return fn.executeWithOptions({ summary } as LocalActivityOptions, args);
}
