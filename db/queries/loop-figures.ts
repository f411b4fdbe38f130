// What became of the assessed tasks after the claim, for the monthly 通报 (reports.ts): the
// rectifications, revocations, reminders and escalations of the same selection (task-period.ts).
import { asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { cases, notifications, tasks } from '../schema/index.js';
import { periodTasks, type TaskPeriod } from './task-period.js';

/** What became of the same tasks after the claim, per department and division (the monthly 通报). */
export interface LoopFiguresRow {
  departmentCode: string;
  divisionCode: string;
  /** Tasks whose feedback ordered a rectification (限期整改), and how those ended so far. */
  rectificationsOrdered: number;
  rectified: number;
  notRectified: number;
  rectificationOpen: number;
  /** Tasks that ended in a revocation request to the approval department, and the licences revoked of them. */
  revocationsRequested: number;
  licencesRevoked: number;
  /** Messages about these tasks that went out: reminders (提醒), and urging or escalation notices (催办, 督办). */
  remindersSent: number;
  escalationsSent: number;
}

/** Rectifications, revocations, reminders and escalations of the tasks pushed in [start, end). */
export async function loopFigures(db: Db, f: TaskPeriod): Promise<LoopFiguresRow[]> {
  const int = (q: SQL) => sql<number>`(${q})::int`.mapWith(Number);
  const sent = (pattern: string) =>
    int(sql`select count(*) from ${notifications} n where n.task_id = ${tasks.taskId} and n.sent_at is not null and (${sql.raw(pattern)})`);
  const perTask = db
    .select({
      departmentCode: tasks.departmentCode,
      divisionCode: tasks.divisionCode,
      ordered: sql<number>`(${tasks.rectificationRound} > 0)::int`.as('ordered'),
      rectified: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} = 'rectified')::int`.as('rectified'),
      notRectified: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} = 'revocation-requested')::int`.as('not_rectified'),
      open: sql<number>`(${tasks.rectificationRound} > 0 and ${tasks.outcome} is null)::int`.as('open'),
      revocation: sql<number>`(${tasks.outcome} = 'revocation-requested')::int`.as('revocation'),
      revoked: sql<number>`(${tasks.outcome} = 'revocation-requested' and ${cases.licenceStatus} = 'revoked')::int`.as('revoked'),
      reminders: sent(`n.template like '%reminder%'`).as('reminders'),
      escalations: sent(`n.template like '%escalation%' or n.template like '%urging%'`).as('escalations'),
    })
    .from(tasks)
    .leftJoin(cases, eq(cases.applicationNo, tasks.applicationNo))
    .where(periodTasks(f))
    .as('t');
  const rows = await db
    .select({
      departmentCode: perTask.departmentCode,
      divisionCode: perTask.divisionCode,
      rectificationsOrdered: int(sql`sum(${perTask.ordered})`),
      rectified: int(sql`sum(${perTask.rectified})`),
      notRectified: int(sql`sum(${perTask.notRectified})`),
      rectificationOpen: int(sql`sum(${perTask.open})`),
      revocationsRequested: int(sql`sum(${perTask.revocation})`),
      licencesRevoked: int(sql`sum(${perTask.revoked})`),
      remindersSent: int(sql`sum(${perTask.reminders})`),
      escalationsSent: int(sql`sum(${perTask.escalations})`),
    })
    .from(perTask)
    .groupBy(perTask.departmentCode, perTask.divisionCode)
    .orderBy(asc(perTask.departmentCode), asc(perTask.divisionCode));
  return rows;
}
