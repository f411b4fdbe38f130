// The reads of a case: its detail (stage, route, credit, licence, deadlines, tasks) and its
// audit trail. Its approval department, an operator, or a department supervising it may read.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { caseEvents } from '../../../db/queries/cases.js';
import { checkTrail } from '../../../db/queries/trail.js';
import { tasksOfCase } from '../../../db/queries/tasks.js';
import { caseForReader } from '../../access.js';
import { workflowProblems } from '../../errors.js';
import { applicationParam } from '../../schemas.js';
import { caseDetail, detailOf, event } from './view.js';
import { isRehearsal } from '../../../db/queries/catalog.js';

const roles = ['approval', 'supervision', 'operator'] as const;

const trailCheck = z.object({
  applicationNo: z.string(),
  events: z.number().int(),
  intact: z.boolean(),
  /** The first event whose link to the one before, or whose own hash, does not match. */
  firstBrokenEventId: z.number().int().nullable(),
});

const caseReadRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/applications/:applicationNo',
    { config: { roles }, schema: { operationId: 'getApplication', tags: ['cases'], summary: 'A case: stage, route, credit, licence, deadlines, tasks', params: applicationParam, response: { 200: caseDetail, ...workflowProblems } } },
    async (req) => {
      const row = await caseForReader(app.db, req.principal, req.params.applicationNo);
      const [taskRows, training] = await Promise.all([tasksOfCase(app.db, row.applicationNo), isRehearsal(app.db, row.applicationNo)]);
      return detailOf(row, taskRows, training);
    },
  );

  app.get(
    '/v1/applications/:applicationNo/events',
    {
      config: { roles },
      schema: { operationId: 'listApplicationEvents', tags: ['cases'], summary: 'The audit trail of a case: every step, actor, time and notification', params: applicationParam, response: { 200: z.object({ items: z.array(event) }), ...workflowProblems } },
    },
    async (req) => {
      const row = await caseForReader(app.db, req.principal, req.params.applicationNo);
      const rows = await caseEvents(app.db, row.applicationNo);
      return { items: rows.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, summary: e.summary, taskId: e.taskId, actor: e.actor, detail: e.detail })) };
    },
  );

  app.get(
    '/v1/applications/:applicationNo/events/verify',
    {
      config: { roles },
      schema: { operationId: 'verifyApplicationTrail', tags: ['cases'], summary: "Recompute the trail's hash chain (全程留痕): intact, or the first event that was altered or follows a removed one", params: applicationParam, response: { 200: trailCheck, ...workflowProblems } },
    },
    async (req) => {
      const row = await caseForReader(app.db, req.principal, req.params.applicationNo);
      const c = await checkTrail(app.db, row.applicationNo);
      return { applicationNo: c.applicationNo, events: c.events, intact: c.firstBrokenId === null, firstBrokenEventId: c.firstBrokenId };
    },
  );
};

export default caseReadRoutes;
