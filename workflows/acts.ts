// The activity proxies shared by both workflows (activity tasks, and local activities for what
// an update handler records), each call with a one-line summary, so the Temporal UI reads like
// the case file.
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ACTIVITY_START_TO_CLOSE_MS } from './domain/limits.js';

// Transient failures (database restart, provider timeout) retry with backoff for as long as it
// takes; permanent ones are non-retryable ApplicationFailures thrown by the activity.
const retry = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 };
const acts = proxyActivities<Activities>({ startToCloseTimeout: ACTIVITY_START_TO_CLOSE_MS, retry });
/**
 * What an update handler records (claim, inspection, feedback, re-inspection, rectification
 * order) runs as a local activity, inside the workflow task that accepted the update: the
 * caller's answer needs one workflow task instead of three (docs/benchmarks.md, "API under
 * load"). Each of them only writes the read model and the trail under a business key, so a
 * re-run after a lost workflow task repeats nothing.
 */
const localActs = proxyLocalActivities<Activities>({ startToCloseTimeout: ACTIVITY_START_TO_CLOSE_MS, retry });

type Name = keyof Activities;
type Result<K extends Name> = Promise<Awaited<ReturnType<Activities[K]>>>;
type WithOptions<K extends Name, O> = { executeWithOptions(o: O, a: Parameters<Activities[K]>): Result<K> };

/** Runs an activity with a one-line summary shown in the Temporal UI. */
export function run<K extends Name>(name: K, summary: string, ...args: Parameters<Activities[K]>): Result<K> {
  return (acts[name] as unknown as WithOptions<K, ActivityOptions>).executeWithOptions({ summary } as ActivityOptions, args);
}

/** `run`, as a local activity (see localActs). */
export function recordLocally<K extends Name>(name: K, summary: string, ...args: Parameters<Activities[K]>): Result<K> {
  return (localActs[name] as unknown as WithOptions<K, LocalActivityOptions>).executeWithOptions({ summary } as LocalActivityOptions, args);
}
