// Committing a random-inspection plan: the commit fixes the plan's content hash and, from it and
// a value published beforehand (beacon), the seed — before the population is read — and starts
// the draw workflow (`draw-<planId>`), which keeps the population snapshot and draws from it.
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { and, eq, inArray } from 'drizzle-orm';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { planById } from '../../../db/queries/inspections.js';
import { inspectors } from '../../../db/schema/index.js';
import { actorOf } from '../../auth.js';
import { commitSchema } from '../../inspection-schemas.js';
import { conflict, notFound, unprocessable, workflowProblems } from '../../errors.js';
import { drawWorkflowId, planCommittedUpdate, type InspectionDrawInput, type PlanCommit } from '../../../workflows/contracts.js';
import type { inspectionDraw } from '../../../workflows/inspectionDraw.js';
import { tags } from './common.js';
import { planParam, planView, toPlanView } from './plan-views.js';
import { planForLead } from './scope.js';

const planCommitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/inspection-plans/:planId/commit',
    {
      config: { roles: ['supervision'] },
      schema: {
        operationId: 'commitInspectionPlan',
        tags,
        summary: 'Commit a plan: fix its content and seed, and start its draw',
        description: 'The seed is sha-256 of the committed content hash and a value published beforehand (beacon), fixed before the population is read; the draw (workflow draw-<planId>) then runs on its own: read it at GET /v1/inspection-draws/{planId}. Repeating the commit with the same beacon answers the same commit; another beacon is 409.',
        params: planParam,
        body: commitSchema,
        response: { 200: planView, 202: planView, ...workflowProblems },
      },
    },
    async (req, reply) => {
      const plan = await planById(app.db, req.params.planId);
      if (!plan) throw notFound(`plan ${req.params.planId}`);
      planForLead(req.principal, plan);
      if (plan.seed && plan.beacon !== req.body.beacon) throw conflict(`plan ${plan.planId} was committed with another beacon; its seed is fixed`);
      if (!plan.seed) {
        const roster = await app.db.select({ id: inspectors.id }).from(inspectors).where(and(inArray(inspectors.departmentCode, plan.departments), eq(inspectors.active, true)));
        if (roster.length < plan.inspectorsPerTarget) throw unprocessable(`the plan's departments have ${roster.length} active inspectors; each target needs ${plan.inspectorsPerTarget}`);
      }
      const commit = await commitAndDraw(app, { planId: plan.planId, beacon: req.body.beacon, beaconSource: req.body.beaconSource, actor: actorOf(req.principal) });
      // Two callers at once: the first's beacon was committed.
      if (commit.beacon !== req.body.beacon) throw conflict(`plan ${plan.planId} was committed meanwhile with another beacon; its seed is fixed`);
      return reply.code(plan.seed ? 200 : 202).send(toPlanView((await planById(app.db, plan.planId))!));
    },
  );
};

/**
 * Starts the plan's draw (its id is the plan's: a retried commit joins it) and waits for the
 * commit it records first. A plan whose draw has closed answers from the read model.
 */
async function commitAndDraw(app: FastifyInstance, input: InspectionDrawInput): Promise<PlanCommit> {
  try {
    return await app.temporal.workflow.executeUpdateWithStart(planCommittedUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation<typeof inspectionDraw>('inspectionDraw', {
        workflowId: drawWorkflowId(input.planId),
        taskQueue: app.config.temporal.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `draw of plan ${input.planId}`,
      }),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const plan = (await planById(app.db, input.planId))!;
    return { planId: plan.planId, contentHash: plan.contentHash!, seed: plan.seed!, beacon: plan.beacon! };
  }
}

export default planCommitRoutes;
