// The supervision side's actions, each an Update on the task's workflow: claim (认领),
// inspection finished, feedback, re-inspection (复查). The route checks that the caller may SEE
// the task (404 / 403 as for a read); whether it may ACT — its own division, the task's state,
// the deadline given — is the update validator's to decide (a Forbidden or InvalidState
// failure, mapped in api/errors.ts). The answer is the task as the update left it, read from
// the read model the update's handler wrote before it returned.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { UpdateDefinition } from '@temporalio/common';
import { claimUpdate, feedbackUpdate, inspectionUpdate, reinspectionUpdate, type Actor, type TaskState } from '../../../workflows/contracts.js';
import { taskById } from '../../../db/queries/tasks.js';
import { actorOf, type Principal } from '../../auth.js';
import { taskForReader } from '../../access.js';
import { notFound, workflowProblems } from '../../errors.js';
import { feedbackResult, isoInstant, shortText, taskIdParam } from '../../schemas.js';
import { taskView, view } from './view.js';

/** Runs the action as an Update on the task's workflow, then answers with the task. */
async function act<A extends { actor: Actor }>(app: FastifyInstance, p: Principal, taskId: string, update: UpdateDefinition<TaskState, [A]>, args: Omit<A, 'actor'>) {
  await taskForReader(app.db, p, taskId);
  await app.temporal.workflow.getHandle(taskId).executeUpdate(update, { args: [{ ...args, actor: actorOf(p) } as A] });
  const row = await taskById(app.db, taskId);
  if (!row) throw notFound(`task ${taskId}`);
  return view(row);
}

const instant = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);
const note = z.string().trim().max(4000).default('');
const action = (summary: string) => ({ tags: ['tasks'], summary, params: taskIdParam, response: { 200: taskView, ...workflowProblems } });
const roles = ['supervision'] as const;

const inspection = z.object({ finishedAt: isoInstant, findings: shortText(4000) }).strict();
const feedback = z
  .object({
    result: feedbackResult,
    note,
    rectificationDeadline: isoInstant.optional().describe("with rectification or commitment-untrue: the order's deadline; default the policy's rectification period"),
  })
  .strict();
const reinspection = z.object({ rectified: z.boolean(), note, rectificationDeadline: isoInstant.optional() }).strict();

const taskActionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/tasks/:taskId/claim', { config: { roles }, schema: action('Claim (认领) the task; once') }, async (req) => act(app, req.principal, req.params.taskId, claimUpdate, {}));

  app.post('/v1/tasks/:taskId/inspection', { config: { roles }, schema: { ...action('Supervision finished: opens the 5-working-day feedback window'), body: inspection } }, async (req) =>
    act(app, req.principal, req.params.taskId, inspectionUpdate, { finishedAt: instant(req.body.finishedAt)!, findings: req.body.findings }),
  );

  app.post('/v1/tasks/:taskId/feedback', { config: { roles }, schema: { ...action('Feed the supervision result back'), body: feedback } }, async (req) =>
    act(app, req.principal, req.params.taskId, feedbackUpdate, { result: req.body.result, note: req.body.note, rectificationDeadline: instant(req.body.rectificationDeadline) }),
  );

  const reinspectionSummary = '复查 after a rectification order: rectified closes the task; not rectified requests revocation from the case (or orders another round with a new deadline)';
  app.post('/v1/tasks/:taskId/reinspection', { config: { roles }, schema: { ...action(reinspectionSummary), body: reinspection } }, async (req) =>
    act(app, req.principal, req.params.taskId, reinspectionUpdate, { rectified: req.body.rectified, note: req.body.note, rectificationDeadline: instant(req.body.rectificationDeadline) }),
  );
};

export default taskActionRoutes;
