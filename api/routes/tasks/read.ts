// The supervision side's reads: the inbox (a division's tasks; a department head sees the
// department's), in the order of their next deadline, and one task with its history and the
// dossier pushed with it.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { INBOX_TOTAL_CAP, inbox, taskHistory, taskViewById } from '../../../db/queries/tasks.js';
import { dossierOf } from '../../../db/queries/dossiers.js';
import { taskForReader } from '../../access.js';
import { forbidden, notFound, workflowProblems } from '../../errors.js';
import { actorSchema, applicationNo, creditCode, pagination, taskIdParam, taskStatus } from '../../schemas.js';
import { dossierOfRow, dossierView } from './dossier.js';
import { deadlineKind, taskView, view } from './view.js';
import { delegationFor, delegationView } from './delegation.js';

const historyItem = z.object({ at: z.string(), kind: z.string(), summary: z.string(), actor: actorSchema }).meta({ id: 'TaskHistoryEntry' });

const inboxQuery = z
  .object({
    status: taskStatus.optional(),
    deadline: deadlineKind.optional().describe('the kind of the deadline the task waits under now (nextDeadline.kind)'),
    overdue: z.enum(['true', 'false']).optional().describe('whether that deadline has passed, by the clock, whatever its kind; a task with none is not overdue'),
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
}).meta({ id: 'TaskPage' });

const detail = taskView.extend({ history: z.array(historyItem), dossier: dossierView, delegation: delegationView }).meta({ id: 'TaskDetail' });

const inboxSummary = "Inbox: a division's tasks (a department head sees the department), nearest next deadline first, tasks with none last";

const taskReadRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/tasks',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: { operationId: 'listTasks', tags: ['tasks'], summary: inboxSummary, querystring: inboxQuery, response: { 200: inboxPage, ...workflowProblems } },
    },
    async (req) => {
      const { principal: p, query: q } = req;
      if (p.role === 'supervision' && !p.department) throw forbidden('a supervision token must name its department');
      const own = p.role === 'supervision' ? { department: p.department, division: p.division } : {};
      const overdue = q.overdue === undefined ? undefined : q.overdue === 'true';
      const filter = { ...own, status: q.status, deadline: q.deadline, overdue, applicationNo: q.applicationNo, creditCode: q.creditCode };
      const { rows, total } = await inbox(app.db, filter, { limit: q.limit, offset: q.offset });
      return { items: rows.map(view), total: Math.min(total, INBOX_TOTAL_CAP), totalExact: total <= INBOX_TOTAL_CAP, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/v1/tasks/:taskId',
    {
      config: { roles: ['supervision', 'operator'] },
      schema: { operationId: 'getTask', tags: ['tasks'], summary: 'A task with its deadlines, history and the dossier pushed with it', params: taskIdParam, response: { 200: detail, ...workflowProblems } },
    },
    async (req) => {
      const t = await taskForReader(app.db, req.principal, req.params.taskId);
      const [row, history, dossier, delegation] = await Promise.all([taskViewById(app.db, t.taskId), taskHistory(app.db, t.taskId), t.applicationNo ? dossierOf(app.db, t.applicationNo) : undefined, delegationFor(app, req.principal, t.taskId)]);
      if (!row) throw notFound(`task ${t.taskId}`);
      return { ...view(row), history: history.map((e) => ({ at: e.at.toISOString(), kind: e.kind, summary: e.summary, actor: e.actor })), dossier: dossierOfRow(dossier), delegation };
    },
  );
};

export default taskReadRoutes;
