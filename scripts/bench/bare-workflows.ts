// Baseline workflows for the benchmarks, bundled on their own (bench-only, never registered by
// the service's worker). bareCase/bareTask have the shape of approvalCase/supervisionTask on
// the standard route — the same number of activities in each phase (passed in as a Shape,
// measured from the real histories), the same updates, one child with the same updates, a
// timer where the real ones wait on a deadline — but every activity is a tiny INSERT and no
// state, search attributes, queries or validators beyond the bare minimum. bareTimer is the
// baseline of the deadline burst: sleep until an instant, then one no-op activity.
import { ParentClosePolicy, allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, sleep, startChild, upsertSearchAttributes } from '@temporalio/workflow';

export interface BareActivities {
  /** With `pad`/`resultBytes` (loop.ts --bare-pad) the input and the result carry that many bytes more. */
  bareInsert(key: string, pad?: string, resultBytes?: number): Promise<string | void>;
}
const { bareInsert } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 } });
const { bareInsert: bareInsertLocal } = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 } });

/** Activities per phase, as counted in the real histories. */
export interface Shape {
  /** approvalCase: before the decide update; between it and the child's start; after the child. */
  pre: number;
  mid: number;
  post: number;
  /** supervisionTask: before the claim; in each handler (and after the feedback). */
  open: number;
  claim: number;
  inspection: number;
  feedback: number;
  /** supervisionTask: local activities in each handler (recorded inside the update's workflow task). */
  claimLocal?: number;
  inspectionLocal?: number;
  feedbackLocal?: number;
  /**
   * With the operator's search attributes of ours (loop.ts --bare-visibility): the task starts
   * with the same attributes, and the stage is upserted where ours upserts it (the case awaiting
   * its decision and supervising; the task claimed, and awaiting feedback with its deadline).
   * The driver starts the case with ours' start attributes.
   */
  visibility?: boolean;
  /**
   * Payload bytes like ours' (loop.ts --bare-pad), to measure what a larger history costs:
   * `input` rides in the shape, so in the case's start and in the child's start (initiated and
   * started), as ours' case and task inputs do; each activity's input and result, and each
   * update's result, carry as many bytes more as ours' do on average.
   */
  padding?: Padding;
}

export interface Padding {
  input: string;
  activity: number;
  activityResult: number;
  updateResult: number;
}

export const bareSubmit = defineUpdate<string, []>('submit');
export const bareDecide = defineUpdate<string, []>('decide');
export const bareClaim = defineUpdate<string, []>('claim');
export const bareInspection = defineUpdate<string, []>('inspection');
export const bareFeedback = defineUpdate<string, []>('feedback');

const insertArgs = (key: string, pad?: Padding): Parameters<BareActivities['bareInsert']> => (pad ? [key, 'x'.repeat(pad.activity), pad.activityResult] : [key]);
async function acts(n: number, key: string, local = 0, pad?: Padding): Promise<void> {
  for (let i = 0; i < n; i++) await bareInsert(...insertArgs(`${key}:${i}`, pad));
  for (let i = 0; i < local; i++) await bareInsertLocal(...insertArgs(`${key}:local:${i}`, pad));
}
const answer = (s: string, pad?: Padding) => (pad ? s + 'x'.repeat(pad.updateResult) : s);

export async function bareCase(id: string, shape: Shape): Promise<string> {
  let registered = false;
  let decided = false;
  let decideDone = false;
  const pad = shape.padding;
  setHandler(bareSubmit, async () => {
    await condition(() => registered);
    return answer(id, pad);
  });
  setHandler(bareDecide, async () => {
    decided = true;
    await acts(Math.min(1, shape.mid), `${id}:decide`, 0, pad);
    decideDone = true;
    return answer(id, pad);
  });
  await acts(shape.pre, `${id}:pre`, 0, pad);
  if (shape.visibility) upsertSearchAttributes({ SgStage: ['awaiting-decision'] });
  registered = true;
  await condition(() => decided && decideDone, '10 minutes');
  // Ours upserts 'supervising' before its last activity ahead of the child's start.
  const rest = Math.max(0, shape.mid - 1);
  for (let i = 0; i < rest; i++) {
    if (shape.visibility && i === rest - 1) upsertSearchAttributes({ SgStage: ['supervising'] });
    await bareInsert(...insertArgs(`${id}:mid:${i}`, pad));
  }
  if (shape.visibility && rest === 0) upsertSearchAttributes({ SgStage: ['supervising'] });
  const child = await startChild(bareTask, {
    workflowId: `bare-task-${id}`,
    parentClosePolicy: ParentClosePolicy.TERMINATE,
    args: [id, shape],
    ...(shape.visibility && {
      searchAttributes: {
        SgApplicationNo: [id],
        SgCreditCode: ['91320700MA1XXXXXX0'],
        SgItemCode: ['TR-FOOD-01'],
        SgRegion: ['320700'],
        SgDepartment: ['SCJG'],
        SgDivision: ['SCJG-SP'],
        SgStage: ['awaiting-claim'],
        SgDueAt: [new Date(Date.now() + 3 * 86_400_000)],
      },
    }),
  });
  await child.result();
  await acts(shape.post, `${id}:post`, 0, pad);
  await condition(allHandlersFinished);
  return id;
}

export async function bareTask(id: string, shape: Shape): Promise<string> {
  const pad = shape.padding;
  let status = 'awaiting-claim';
  setHandler(bareClaim, async () => {
    status = 'claimed';
    if (shape.visibility) upsertSearchAttributes({ SgStage: [status] });
    await acts(shape.claim, `${id}:claim`, shape.claimLocal, pad);
    return answer(status, pad);
  });
  setHandler(bareInspection, async () => {
    status = 'awaiting-feedback';
    if (shape.visibility) upsertSearchAttributes({ SgStage: [status], SgDueAt: [new Date(Date.now() + 7 * 86_400_000)] });
    await acts(shape.inspection, `${id}:inspection`, shape.inspectionLocal, pad);
    return answer(status, pad);
  });
  setHandler(bareFeedback, async () => {
    await acts(shape.feedback, `${id}:feedback`, shape.feedbackLocal, pad);
    status = 'closed';
    return answer(status, pad);
  });
  await acts(shape.open, `${id}:open`, 0, pad);
  await condition(() => status !== 'awaiting-claim', '3 minutes');
  await condition(() => status === 'closed', '5 minutes');
  await condition(allHandlersFinished);
  return status;
}

/** The burst baseline: a timer to `dueAt`, then one activity. */
export async function bareTimer(id: string, dueAtMs: number): Promise<void> {
  await sleep(Math.max(0, dueAtMs - Date.now()));
  await bareInsert(`${id}:due`);
}

/** bareTimer with its INSERT as a local activity (run inside the workflow task). */
export async function bareTimerLocal(id: string, dueAtMs: number): Promise<void> {
  await sleep(Math.max(0, dueAtMs - Date.now()));
  await bareInsertLocal(`${id}:due`);
}
