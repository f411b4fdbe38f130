// The complaints a caller sees (api/access.ts complaintScope): a page, newest first, and one with
// its trail; and the division's reply (答复), which goes back to the hotline once.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { complaintPage, complaintTrail } from '../../../db/queries/complaints.js';
import { isAwaitingClaim } from '../../../db/queries/tasks.js';
import { complaintWorkflowId, replyUpdate } from '../../../workflows/contracts.js';
import { actorOf } from '../../auth.js';
import { complaintForReader, complaintScope } from '../../access.js';
import { conflict, forbidden, notFound, workflowProblems } from '../../errors.js';
import { actorSchema, creditCode, pagination, shortText } from '../../schemas.js';
import { complaintStatus, complaintView, replyOutcome, viewOf } from './view.js';

export const complaintParam = z.object({ complaintNo: z.string().regex(/^C(12345|12315)-[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/, 'a complaint number: C<source>-<ticket id>') });
const listQuery = z.object({ status: complaintStatus.optional(), creditCode: creditCode.optional(), ...pagination }).strict();
const page = z.object({ items: z.array(complaintView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).meta({ id: 'ComplaintPage' });
const trailEntry = z.object({ at: z.string(), kind: z.string(), summary: z.string(), actor: actorSchema }).meta({ id: 'ComplaintTrailEntry' });
const detail = complaintView.extend({ history: z.array(trailEntry) }).meta({ id: 'ComplaintDetail' });
const replyBody = z.object({ outcome: replyOutcome, text: shortText(4000).describe('the reply the hotline passes on to the complainant (答复内容)') }).strict().meta({ id: 'ComplaintReply' });

const READERS = ['supervision', 'regional-admin', 'operator', 'hotline'] as const;

const complaintReadRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/complaints',
    { config: { roles: READERS }, schema: { operationId: 'listComplaints', tags: ['complaints'], summary: "The complaints the caller sees: a division's own, a department's, a region's, a hotline's tickets; newest first", querystring: listQuery, response: { 200: page, ...workflowProblems } } },
    async (req) => {
      const scope = complaintScope(req.principal);
      if (!scope) throw forbidden('this token names no department, region or hotline to see complaints of');
      const { rows, total } = await complaintPage(app.db, { ...scope, status: req.query.status, creditCode: req.query.creditCode }, { limit: req.query.limit, offset: req.query.offset });
      const now = new Date();
      return { items: rows.map((r) => viewOf(r, now)), total, limit: req.query.limit, offset: req.query.offset };
    },
  );

  app.get(
    '/v1/complaints/:complaintNo',
    { config: { roles: READERS }, schema: { operationId: 'getComplaint', tags: ['complaints'], summary: 'A complaint with its trail', params: complaintParam, response: { 200: detail, ...workflowProblems } } },
    async (req) => {
      const c = await complaintForReader(app.db, req.principal, req.params.complaintNo);
      const history = await complaintTrail(app.db, c.complaintNo);
      return { ...viewOf(c), history: history.map((e) => ({ at: e.at.toISOString(), kind: e.kind, summary: e.summary, actor: e.actor })) };
    },
  );

  app.post(
    '/v1/complaints/:complaintNo/reply',
    {
      config: { roles: ['supervision'] },
      schema: { operationId: 'replyToComplaint', tags: ['complaints'], summary: 'The division’s reply (答复), once, after it claimed the task: pushed back to the hotline', params: complaintParam, body: replyBody, response: { 200: complaintView, ...workflowProblems } },
    },
    async (req) => {
      const c = await complaintForReader(app.db, req.principal, req.params.complaintNo);
      // The division replies to work it took on: the task is claimed first (认领, then 答复).
      if (await isAwaitingClaim(app.db, c.taskId)) throw conflict(`task ${c.taskId} of complaint ${c.complaintNo} is not claimed yet: claim it, then reply`);
      await app.temporal.workflow.getHandle(complaintWorkflowId(c.complaintNo)).executeUpdate(replyUpdate, { args: [{ actor: actorOf(req.principal), ...req.body }] });
      const row = await complaintForReader(app.db, req.principal, c.complaintNo);
      if (!row.repliedAt) throw notFound(`the reply of complaint ${c.complaintNo}`);
      return viewOf(row);
    },
  );
};

export default complaintReadRoutes;
