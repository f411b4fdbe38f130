// The supervision side's actions, each an Update on the task's workflow: claim (认领) — of one
// task, or of several in one request — inspection finished, feedback, re-inspection (复查). The
// route checks that the caller may SEE the task (404 / 403 as for a read); whether it may ACT —
// its own division, the task's state, the deadline given — is the update validator's to decide
// (a Forbidden or InvalidState failure, mapped in api/errors.ts). The answer is the task as the
// update left it, read from the read model the update's handler wrote before it returned.
import { z } from 'zod';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { UpdateDefinition } from '@temporalio/common';
import { claimUpdate, feedbackUpdate, inspectionUpdate, reinspectionUpdate, type Actor, type TaskState } from '../../../workflows/contracts.js';
import { taskViewById } from '../../../db/queries/tasks.js';
import { withoutQueryParameters } from '../../../db/client.js';
import { actorOf, type Principal } from '../../auth.js';
import { taskForReader } from '../../access.js';
import { knownProblem, notFound, problems, unprocessable, workflowProblems } from '../../errors.js';
import { entryMisfit, leniencyEntryByCode, taskFacts } from '../../../db/queries/leniency.js';
import { checklistAnswer, code, feedbackResult, isoInstant, shortText, taskIdParam } from '../../schemas.js';
import { taskView, view } from './view.js';

/** Runs the action as an Update on the task's workflow, then answers with the task. */
async function act<A extends { actor: Actor }>(app: FastifyInstance, p: Principal, taskId: string, update: UpdateDefinition<TaskState, [A]>, args: Omit<A, 'actor'>) {
  await taskForReader(app.db, p, taskId);
  await app.temporal.workflow.getHandle(taskId).executeUpdate(update, { args: [{ ...args, actor: actorOf(p) } as A] });
  const row = await taskViewById(app.db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  return view(row);
}

/** A 422 before the update when the inclusive-list entry named cannot apply to the task (missing, repealed, another region, another item). */
async function namedEntryFits(app: FastifyInstance, p: Principal, taskId: string, entryCode: string): Promise<void> {
  await taskForReader(app.db, p, taskId);
  const [entry, facts] = await Promise.all([leniencyEntryByCode(app.db, entryCode), taskFacts(app.db, taskId)]);
  if (!entry) throw unprocessable(`inclusive-list entry ${entryCode} does not exist`);
  const misfit = facts && entryMisfit(entry, facts);
  if (misfit) throw unprocessable(misfit);
}

/** How many tasks one bulk claim may name: a screenful of the inbox, answered within a request's time. */
export const BULK_CLAIM_MAX = 50;

const claimResult = z.object({
  taskId: z.string(),
  status: z.number().int().describe("what POST /v1/tasks/{taskId}/claim would answer: 200 claimed; 403 not the caller's division's; 404 no such task; 409 already claimed or no longer awaiting the claim; 503/504 the workflow service or the database did not take it"),
  detail: z.string().optional().describe('why not, when not 200'),
  task: taskView.optional().describe('with 200: the task as the claim left it'),
}).meta({ id: 'ClaimResult' });
type ClaimResult = z.infer<typeof claimResult>;

/** One task of a bulk claim, through the same path as a single claim; a refusal is its answer, not the request's. */
async function claimOne(app: FastifyInstance, log: FastifyBaseLogger, p: Principal, taskId: string): Promise<ClaimResult> {
  try {
    return { taskId, status: 200, task: await act(app, p, taskId, claimUpdate, {}) };
  } catch (err) {
    const problem = knownProblem(err);
    if (problem && problem.status < 500) return { taskId, status: problem.status, detail: problem.message };
    log.warn({ err: withoutQueryParameters(err), taskId }, 'bulk claim: a task not claimed');
    return { taskId, status: problem?.status ?? 500, detail: problem?.message ?? 'an internal error occurred; it has been logged' };
  }
}

/**
 * In the order given, one after another: the answers are in the order the claims took effect,
 * and an id named twice is claimed once (its second answer is 409).
 */
async function claimEach(app: FastifyInstance, log: FastifyBaseLogger, p: Principal, taskIds: string[]): Promise<ClaimResult[]> {
  const results: ClaimResult[] = [];
  for (const taskId of taskIds) results.push(await claimOne(app, log, p, taskId));
  return results;
}

const instant = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);
const note = z.string().trim().max(4000).default('');
const action = (operationId: string, summary: string) => ({ operationId, tags: ['tasks'], summary, params: taskIdParam, response: { 200: taskView, ...workflowProblems } });
const roles = ['supervision'] as const;

const inspection = z.object({ finishedAt: isoInstant, findings: shortText(4000) }).strict().meta({ id: 'Inspection', examples: [{ finishedAt: '2026-03-02T10:30:00+08:00', findings: '现场检查符合要求' }] });
const leniency = z
  .object({
    entryCode: code.optional().describe("the inclusive-list entry; default the region's entry covering the task's item"),
    minor: z.boolean().describe('the inspector attests the offence is minor (违法行为轻微)'),
    noHarm: z.boolean().describe('the inspector attests it did no harm (没有造成危害后果)'),
  })
  .strict()
  .describe('包容免罚, with rectification: what only the inspection can see. A first offence is established from the record, the correction in time from the re-inspection.')
  .meta({ id: 'LeniencyClaim' });
const feedback = z
  .object({
    result: feedbackResult,
    note,
    leniency: leniency.optional(),
    rectificationDeadline: isoInstant.optional().describe("with rectification or commitment-untrue: the order's deadline; default the policy's rectification period"),
    checklist: z.array(checklistAnswer).min(1).max(200).optional().describe('a random-inspection task (双随机): its record form (检查结果记录表), every check item answered; a failed item makes the result rectification, none compliant (or unreachable)'),
  })
  .strict()
  .meta({ id: 'Feedback', examples: [{ result: 'compliant', note: '经营场所与许可一致' }, { result: 'rectification', note: '消毒记录不全', rectificationDeadline: '2026-03-20T00:00:00+08:00' }] });
const reinspection = z.object({ rectified: z.boolean(), note, rectificationDeadline: isoInstant.optional() }).strict().meta({ id: 'Reinspection', examples: [{ rectified: true, note: '已整改到位' }] });
const bulkClaim = z.object({ taskIds: z.array(taskIdParam.shape.taskId).min(1).max(BULK_CLAIM_MAX) }).strict().meta({ id: 'BulkClaim' });
const bulkClaimSummary = `Claim (认领) up to ${BULK_CLAIM_MAX} tasks, each as POST /v1/tasks/{taskId}/claim would, answered each with its own status in order`;

const taskActionRoutes: FastifyPluginAsyncZod = async (app) => {
  // A static path: find-my-way prefers it to the parametric /v1/tasks/:taskId, and "claim" is
  // no task id anyway (task-<applicationNo>.<department>).
  app.post(
    '/v1/tasks/claim',
    { config: { roles }, schema: { operationId: 'claimTasks', tags: ['tasks'], summary: bulkClaimSummary, body: bulkClaim, response: { 200: z.object({ results: z.array(claimResult) }), ...problems(400, 401, 403) } } },
    async (req) => ({ results: await claimEach(app, req.log, req.principal, req.body.taskIds) }),
  );

  app.post('/v1/tasks/:taskId/claim', { config: { roles }, schema: action('claimTask', 'Claim (认领) the task; once') }, async (req) => act(app, req.principal, req.params.taskId, claimUpdate, {}));

  app.post('/v1/tasks/:taskId/inspection', { config: { roles }, schema: { ...action('recordInspection', 'Supervision finished: opens the 5-working-day feedback window'), body: inspection } }, async (req) =>
    act(app, req.principal, req.params.taskId, inspectionUpdate, { finishedAt: instant(req.body.finishedAt)!, findings: req.body.findings }),
  );

  app.post('/v1/tasks/:taskId/feedback', { config: { roles }, schema: { ...action('recordFeedback', 'Feed the supervision result back'), body: feedback } }, async (req) => {
    const claim = req.body.leniency;
    if (claim?.entryCode) await namedEntryFits(app, req.principal, req.params.taskId, claim.entryCode);
    return act(app, req.principal, req.params.taskId, feedbackUpdate, { result: req.body.result, note: req.body.note, rectificationDeadline: instant(req.body.rectificationDeadline), ...(claim && { leniency: claim }), ...(req.body.checklist && { checklist: req.body.checklist }) });
  });

  const reinspectionSummary = '复查 after a rectification order: rectified closes the task; not rectified requests revocation from the case (or orders another round with a new deadline)';
  app.post('/v1/tasks/:taskId/reinspection', { config: { roles }, schema: { ...action('recordReinspection', reinspectionSummary), body: reinspection } }, async (req) =>
    act(app, req.principal, req.params.taskId, reinspectionUpdate, { rectified: req.body.rectified, note: req.body.note, rectificationDeadline: instant(req.body.rectificationDeadline) }),
  );
};

export default taskActionRoutes;
