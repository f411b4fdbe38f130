// The supervision side's reads: the inbox (a division's tasks; a department head sees the
// department's) and one task with its history.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { INBOX_TOTAL_CAP, inbox, taskHistory } from '../../../db/queries/tasks.js';
import { taskForReader } from '../../access.js';
import { forbidden, workflowProblems } from '../../errors.js';
import { actorSchema, applicationNo, creditCode, pagination, taskIdParam, taskStatus } from '../../schemas.js';
import { taskView, view } from './view.js';

const historyItem = z.object({ at: z.string(), kind: z.string(), summary: z.string(), actor: actorSchema });

const inboxQuery = z
  .object({
    status: taskStatus.optional(),
    overdue: z.enum(['true', 'false']).optional(),
    applicationNo: applicationNo.optional(),
    creditCode: creditCode.optional(),
    ...pagination,
  })
  .strict();

const inboxPage = z.object({
  items: z.array(taskView),
  total: z.number().int().describe(`matching tasks, counted up to ${INBOX_TOTAL_CAP}`),
  totalExact: z.boolean().describe(`false when more than ${INBOX_TOTAL_CAP} match`),
  limit: z.number().int(),
  offset: z.number().int(),
});

const taskReadRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/tasks',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: { tags: ['tasks'], summary: "Inbox: a division's tasks (a department head sees the department)", querystring: inboxQuery, response: { 200: inboxPage, ...workflowProblems } },
    },
    async (req) => {
      const { principal: p, query: q } = req;
      if (p.role === 'supervision' && !p.department) throw forbidden('a supervision token must name its department');
      const own = p.role === 'supervision' ? { department: p.department, division: p.division } : {};
      const filter = { ...own, status: q.status, overdue: q.overdue === undefined ? undefined : q.overdue === 'true', applicationNo: q.applicationNo, creditCode: q.creditCode };
      const { rows, total } = await inbox(app.db, filter, { limit: q.limit, offset: q.offset });
      return { items: rows.map(view), total: Math.min(total, INBOX_TOTAL_CAP), totalExact: total <= INBOX_TOTAL_CAP, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/v1/tasks/:taskId',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: { tags: ['tasks'], summary: 'A task with its deadlines and history', params: taskIdParam, response: { 200: taskView.extend({ history: z.array(historyItem) }), ...workflowProblems } },
    },
    async (req) => {
      const t = await taskForReader(app.db, req.principal, req.params.taskId);
      const history = await taskHistory(app.db, t.taskId);
      return { ...view(t), history: history.map((e) => ({ at: e.at.toISOString(), kind: e.kind, summary: e.summary, actor: e.actor })) };
    },
  );
};

export default taskReadRoutes;
