// Baseline workflows for the benchmarks, bundled on their own (bench-only, never registered by
// the service's worker). bareCase/bareTask have the shape of approvalCase/supervisionTask on
// the standard route — the same number of activities in each phase (passed in as a Shape,
// measured from the real histories), the same updates, one child with the same updates, a
// timer where the real ones wait on a deadline — but every activity is a tiny INSERT and no
// state, search attributes, queries or validators beyond the bare minimum. bareTimer is the
// baseline of the deadline burst: sleep until an instant, then one INSERT.
import { ParentClosePolicy, allHandlersFinished, condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, sleep, startChild } from '@temporalio/workflow';

export interface BareActivities {
  bareInsert(key: string): Promise<void>;
}
const retry = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 } as const;
const { bareInsert } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry });
const { bareInsert: bareInsertLocal } = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry });

/**
 * Activities per phase, as counted in the real histories: approvalCase's before the decide
 * update, between it and the child's start, after the child; supervisionTask's before the claim
 * and in each handler, and the local activities of each handler (inside the update's workflow task).
 */
export type Shape = { pre: number; mid: number; post: number; open: number; claim: number; inspection: number; feedback: number; claimLocal?: number; inspectionLocal?: number; feedbackLocal?: number };

export const bareSubmit = defineUpdate<string, []>('submit');
export const bareDecide = defineUpdate<string, []>('decide');
export const bareClaim = defineUpdate<string, []>('claim');
export const bareInspection = defineUpdate<string, []>('inspection');
export const bareFeedback = defineUpdate<string, []>('feedback');

async function acts(n: number, key: string, local = 0): Promise<void> {
  for (let i = 0; i < n; i++) await bareInsert(`${key}:${i}`);
  for (let i = 0; i < local; i++) await bareInsertLocal(`${key}:local:${i}`);
}

export async function bareCase(id: string, shape: Shape): Promise<string> {
  let registered = false;
  let decided = false;
  setHandler(bareSubmit, async () => {
    await condition(() => registered);
    return id;
  });
  setHandler(bareDecide, async () => {
    await acts(Math.min(1, shape.mid), `${id}:decide`);
    decided = true;
    return id;
  });
  await acts(shape.pre, `${id}:pre`);
  registered = true;
  await condition(() => decided, '10 minutes');
  await acts(Math.max(0, shape.mid - 1), `${id}:mid`);
  const child = await startChild(bareTask, { workflowId: `bare-task-${id}`, parentClosePolicy: ParentClosePolicy.TERMINATE, args: [id, shape] });
  await child.result();
  await acts(shape.post, `${id}:post`);
  await condition(allHandlersFinished);
  return id;
}

export async function bareTask(id: string, shape: Shape): Promise<string> {
  let status = 'awaiting-claim';
  setHandler(bareClaim, async () => {
    status = 'claimed';
    await acts(shape.claim, `${id}:claim`, shape.claimLocal);
    return status;
  });
  setHandler(bareInspection, async () => {
    status = 'awaiting-feedback';
    await acts(shape.inspection, `${id}:inspection`, shape.inspectionLocal);
    return status;
  });
  setHandler(bareFeedback, async () => {
    await acts(shape.feedback, `${id}:feedback`, shape.feedbackLocal);
    status = 'closed';
    return status;
  });
  await acts(shape.open, `${id}:open`);
  await condition(() => status !== 'awaiting-claim', '3 minutes');
  await condition(() => status === 'closed', '5 minutes');
  await condition(allHandlersFinished);
  return status;
}

/** The burst baseline: a timer to `dueAtMs`, then one activity. */
export async function bareTimer(id: string, dueAtMs: number): Promise<void> {
  await sleep(Math.max(0, dueAtMs - Date.now()));
  await bareInsert(`${id}:due`);
}

/** The re-timing baseline: a workflow that waits, and takes the calendar signal as a case does (a workflow task, nothing else). */
export const bareCalendarChanged = defineSignal<[{ importId: number; year: number }]>('calendarChanged');
export async function bareWaiting(): Promise<number> {
  let signals = 0;
  setHandler(bareCalendarChanged, () => void signals++);
  await condition(() => signals < 0, '1 day');
  return signals;
}
