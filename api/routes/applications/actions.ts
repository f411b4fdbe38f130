// The approval side's actions on a case, each an Update on the case's workflow: the decision,
// deferred materials received (材料延期), and a pending revocation executed or extended. The
// route checks that the caller may SEE the case (404 / 403 as for a read); whether it may ACT —
// its own department, the case's state — is the update validator's to decide. The answer is
// the update's result.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decideUpdate, materialsUpdate, revocationUpdate } from '../../../workflows/contracts.js';
import { actorOf } from '../../auth.js';
import { caseForReader } from '../../access.js';
import { workflowProblems } from '../../errors.js';
import { material, ownMaterials } from '../../materials.js';
import { applicationParam, caseStage, isoInstant, licenceStatus, shortText } from '../../schemas.js';
import type { Principal } from '../../auth.js';

/** The case's workflow, once the caller is known to see the case. */
async function caseWorkflow(app: FastifyInstance, p: Principal, applicationNo: string) {
  const row = await caseForReader(app.db, p, applicationNo);
  return app.temporal.workflow.getHandle(row.workflowId);
}

const roles = ['approval'] as const;

const decision = z.object({ outcome: z.enum(['approve', 'reject']), opinion: shortText(2000) }).strict().meta({ id: 'Decision', examples: [{ outcome: 'approve', opinion: '材料齐全，符合法定条件，准予许可' }] });
const materials = z.object({ materials: z.array(material).min(1).max(100) }).strict().meta({ id: 'DeferredMaterials' });
const revocation = z.union([z.object({ reason: shortText(2000) }).strict(), z.object({ extend: z.object({ deadline: isoInstant, reason: shortText(2000) }).strict() }).strict()]).meta({ id: 'Revocation', examples: [{ reason: '复查未整改，依法撤销许可' }] });

const caseActionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/applications/:applicationNo/decision',
    {
      config: { roles },
      schema: {
        operationId: 'decideApplication',
        tags: ['cases'],
        summary: 'Decide the application (approve issues the licence and pushes the dossier)',
        params: applicationParam,
        body: decision,
        response: { 200: z.object({ applicationNo: z.string(), stage: caseStage, decision: decision.shape.outcome, licenceStatus }), ...workflowProblems },
      },
    },
    async (req) => (await caseWorkflow(app, req.principal, req.params.applicationNo)).executeUpdate(decideUpdate, { args: [{ ...req.body, actor: actorOf(req.principal) }] }),
  );

  app.post(
    '/v1/applications/:applicationNo/materials',
    {
      config: { roles },
      schema: {
        operationId: 'receiveMaterials',
        tags: ['cases'],
        summary: '材料延期: the deferred materials arrived; the licence is issued and the dossier pushed',
        params: applicationParam,
        body: materials,
        response: { 200: z.object({ applicationNo: z.string(), stage: caseStage }), ...workflowProblems },
      },
    },
    async (req) => {
      const row = await caseForReader(app.db, req.principal, req.params.applicationNo);
      // The case's department's own files only (422 before the update, nothing recorded).
      const received = await ownMaterials(app.db, row.approvalDepartmentCode, req.body.materials);
      const r = await app.temporal.workflow.getHandle(row.workflowId).executeUpdate(materialsUpdate, { args: [{ materials: received, actor: actorOf(req.principal) }] });
      return { applicationNo: r.applicationNo, stage: r.stage };
    },
  );

  app.post(
    '/v1/applications/:applicationNo/revocation',
    {
      config: { roles },
      schema: {
        operationId: 'executeRevocation',
        tags: ['cases'],
        summary: 'Execute a pending revocation (撤销许可), or extend an overdue commitment where allowed',
        description: 'A revocation is pending when supervision requested it after a failed re-inspection, or when deferred materials are overdue. `extend` is only for the latter.',
        params: applicationParam,
        body: revocation,
        response: { 200: z.object({ applicationNo: z.string(), stage: caseStage, licenceStatus }), ...workflowProblems },
      },
    },
    async (req) => {
      const b = req.body;
      const actor = actorOf(req.principal);
      const args = 'extend' in b ? { actor, action: 'extend' as const, reason: b.extend.reason, newDeadline: new Date(b.extend.deadline).toISOString() } : { actor, action: 'revoke' as const, reason: b.reason };
      return (await caseWorkflow(app, req.principal, req.params.applicationNo)).executeUpdate(revocationUpdate, { args: [args] });
    },
  );
};

export default caseActionRoutes;
