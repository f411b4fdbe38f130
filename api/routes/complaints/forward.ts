// 转办: the division that holds a complaint forwards it to the competent department, with the
// reason; the complaint's reader and replier become the new division (api/access.ts reads the row).
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { complaintByNo } from '../../../db/queries/complaints.js';
import { complaintWorkflowId, forwardUpdate } from '../../../workflows/contracts.js';
import { actorOf } from '../../auth.js';
import { complaintForReader } from '../../access.js';
import { workflowProblems } from '../../errors.js';
import { code, shortText } from '../../schemas.js';
import { complaintParam } from './read.js';
import { complaintView, viewOf } from './view.js';

const forwardBody = z
  .object({
    departmentCode: code.describe('the competent department, in the complaint’s region'),
    divisionCode: code.optional().describe('its division that takes the complaint; else the department’s first'),
    reason: shortText(1000).describe('why it is forwarded (转办理由): on the trail of both sides'),
  })
  .strict()
  .meta({ id: 'ComplaintForwardRequest' });

const complaintForwardRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/complaints/:complaintNo/forward',
    {
      config: { roles: ['supervision'] },
      schema: {
        operationId: 'forwardComplaint',
        tags: ['complaints'],
        summary: 'Forward (转办) a complaint to the competent department, before its reply: its reply deadline keeps running from the receipt',
        description: 'By the division that holds it. Refused (409) once replied, once its task has ended, after 3 forwards, or back to a department that had it; 422 for a department or division not in the region.',
        params: complaintParam,
        body: forwardBody,
        response: { 200: complaintView, ...workflowProblems },
      },
    },
    async (req) => {
      const c = await complaintForReader(app.db, req.principal, req.params.complaintNo);
      const { departmentCode, divisionCode, reason } = req.body;
      await app.temporal.workflow.getHandle(complaintWorkflowId(c.complaintNo)).executeUpdate(forwardUpdate, { args: [{ actor: actorOf(req.principal), to: { departmentCode, ...(divisionCode && { divisionCode }) }, reason }] });
      return viewOf((await complaintByNo(app.db, c.complaintNo))!);
    },
  );
};

export default complaintForwardRoutes;
