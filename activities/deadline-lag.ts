// How late a timer-driven step ran against its due time: the workflow's timer fires at the
// deadline, then a workflow task and this activity must run; a backlog of either (a worker
// short of slots, a server under load, every deadline of a day falling at 24:00) shows here.
// A histogram in the Temporal SDK's metric meter, so it is served with the SDK's own metrics on
// the worker's endpoint (WORKER_METRICS_ADDRESS), tagged like them (namespace, task_queue,
// activity_type) and by `window`.
import { Context } from '@temporalio/activity';

export const DEADLINE_LAG_METRIC = 'shenguan_deadline_lag_seconds';
/** Seconds: a healthy worker lands in the first buckets; a day's backlog still has a bucket. */
export const DEADLINE_LAG_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600];

/** The deadlines whose expiry is an activity told its due time. */
export type TimedWindow = 'claim' | 'inspection' | 'feedback' | 'reinspection';

/**
 * Records the lag of a deadline's step that has just been written (`at`: the step's time, the
 * activity's clock). Called once per step, when its trail row is new, so a retry that finds the
 * row counts nothing twice. Outside an activity (scripts, direct calls in tests) it does nothing.
 */
export function recordDeadlineLag(window: TimedWindow, dueAt: string, at: Date): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return;
  }
  const lag = Math.max(0, (at.getTime() - Date.parse(dueAt)) / 1000);
  context.metricMeter.createHistogram(DEADLINE_LAG_METRIC, 'float', 's', 'How late a deadline\'s step (overdue mark, escalation) ran after its due time').record(lag, { window });
}
