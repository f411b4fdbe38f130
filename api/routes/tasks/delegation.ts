// 委派 (docs/delegation.md): the division admin (处室负责人) of a task's division names the officers
// who do an ordinary task — certified, not recused from the entity, at least two for an
// inspection by law enforcement — and may name others later, with the reason. The route checks
// the caller may see the task and is its division admin, then the officers against the
// directory (422 naming each problem), then the task's workflow decides by state and origin.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { delegationUpdate } from '../../../workflows/contracts.js';
import { delegationProblems } from '../../../workflows/domain/delegation.js';
import { dateOf, shanghaiDayOf } from '../../../workflows/domain/working-days.js';
import { delegationOf, inspectionMethodOf, officersNamed } from '../../../db/queries/delegations.js';
import { taskViewById, type TaskRow } from '../../../db/queries/tasks.js';
import { actorOf, type Principal } from '../../auth.js';
import { taskForReader } from '../../access.js';
import { forbidden, notFound, unprocessable, workflowProblems } from '../../errors.js';
import { actorSchema, code, taskIdParam } from '../../schemas.js';
import { maskName } from '../inspections/scope.js';
import { taskView, view } from './view.js';

export const delegationView = z
  .object({
    seq: z.number().int().describe('1 for the first delegation, 2, … for each re-delegation'),
    inspectors: z.array(z.object({ id: z.string(), name: z.string().describe('masked (王**) outside the officer’s department') })),
    reason: z.string().nullable(),
    delegatedBy: actorSchema,
    delegatedAt: z.string(),
  })
  .nullable()
  .describe('委派: the officers the division admin named, who alone (with the admin) claim, inspect and feed back; null when not delegated')
  .meta({ id: 'Delegation' });

/** The delegation in force as the reader sees it: names in clear to the officers' department only. */
export async function delegationFor(app: FastifyInstance, p: Principal, taskId: string): Promise<z.infer<typeof delegationView>> {
  const d = await delegationOf(app.db, taskId);
  if (!d) return null;
  const names = new Map(d.officers.map((o) => [o.id, p.role === 'supervision' && p.department === o.departmentCode ? o.name : maskName(o.name)]));
  return { seq: d.row.seq, inspectors: d.row.inspectorIds.map((id) => ({ id, name: names.get(id) ?? '*' })), reason: d.row.reason, delegatedBy: d.row.delegatedBy, delegatedAt: d.row.delegatedAt.toISOString() };
}

const body = z
  .object({
    inspectors: z.array(code.describe('an officer’s staff number (inspectors.id)')).min(1).max(20).describe('the officers named, from the directory of the task’s department'),
    reason: z.string().trim().min(1).max(2000).optional().describe('why; required when the delegation replaces officers already named'),
  })
  .strict()
  .meta({ id: 'DelegationRequest', examples: [{ inspectors: ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF03'] }, { inspectors: ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF02'], reason: '原执法人员出差，改派' }] });

/** 403 unless the caller is the admin of the task's division; 422 naming every officer who cannot take it. */
async function checkDelegation(app: FastifyInstance, p: Principal, task: TaskRow, ids: string[]): Promise<void> {
  if (!p.divisionAdmin || p.division !== task.divisionCode) throw forbidden(`only the division admin (处室负责人) of ${task.divisionCode} delegates task ${task.taskId}`);
  if (new Set(ids).size !== ids.length) throw unprocessable('an officer is named twice');
  const [{ rows, recused }, inspectionMethod] = await Promise.all([officersNamed(app.db, ids, task.applicantCreditCode), inspectionMethodOf(app.db, task.supervisionItemCode)]);
  const today = dateOf(shanghaiDayOf(new Date()));
  const inspectionDueDay = task.inspectionDueAt ? dateOf(shanghaiDayOf(task.inspectionDueAt)) : undefined;
  const problems = delegationProblems(ids, rows, recused, { departmentCode: task.departmentCode, divisionCode: task.divisionCode, creditCode: task.applicantCreditCode, today, inspectionDueDay, inspectionMethod });
  if (problems.length) throw unprocessable(`cannot delegate task ${task.taskId}: ${problems.join('; ')}`);
}

const delegationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/tasks/:taskId/delegation',
    {
      config: { roles: ['supervision'] },
      schema: { operationId: 'delegateTask', tags: ['tasks'], summary: '委派: the division admin names the officers who do an ordinary task (a re-delegation replaces them, with the reason)', params: taskIdParam, body, response: { 200: taskView.extend({ delegation: delegationView }).meta({ id: 'DelegatedTask' }), ...workflowProblems } },
    },
    async (req) => {
      const { principal: p, params, body: b } = req;
      const task = await taskForReader(app.db, p, params.taskId);
      await checkDelegation(app, p, task, b.inspectors);
      await app.temporal.workflow.getHandle(task.taskId).executeUpdate(delegationUpdate, { args: [{ actor: actorOf(p), inspectors: b.inspectors, ...(b.reason && { reason: b.reason }) }] });
      const row = await taskViewById(app.db, task.taskId);
      if (!row) throw notFound(`task ${task.taskId}`);
      return { ...view(row), delegation: await delegationFor(app, p, task.taskId) };
    },
  );
};

export default delegationRoutes;
