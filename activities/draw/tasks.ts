// A completed draw's targets become supervision tasks of origin random-inspection (双随机, issue
// #27 item 3; docs/random-inspections.md): each staffed target one task, in the division of its
// first drawn officer, with the drawn officers on it, its record form's check items, and the
// plan's period end as the inspection deadline. The draw's workflow starts them as its children.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import { snapshotOf } from '../../db/policies.js';
import { recordResult } from '../../db/queries/inspections.js';
import { divisions, drawTargets, inspectionDraws, inspectionPlans, inspectors, marketEntities, supervisionItems, tasks } from '../../db/schema/index.js';
import type { Actor, ChecklistAnswer, ClaimWindow, FeedbackResult, SupervisionTaskInput } from '../../workflows/contracts.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { dateOf, dayOf, endOfShanghaiDay, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { regionPolicy } from '../complaint/intake.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { recordStep } from '../steps.js';

/** The task of a draw's target: `task-<drawId>.<ordinal>.<department>`; its file (卷宗) `<drawId>.<ordinal>`. */
export const inspectionTaskNo = (drawId: string, ordinal: number) => `${drawId}.${ordinal}`;

/** Targets per page: about 2 KB of task input each, well under Temporal's payload limit. */
export const TASK_PAGE = 250;

/**
 * The task inputs of a drawn plan's staffed targets after ordinal `after`, a page in ordinal
 * order (`next`: the ordinal to continue after, null at the end); the targets are marked with
 * their task ids, and at the last page the plan's trail says how many were opened. Deterministic
 * from the record (the claim window opens at the draw's instant): a retry answers the same.
 */
export async function openInspectionTasks(ctx: Ctx, input: { drawId: string; parentWorkflowId: string; after: number }): Promise<{ tasks: SupervisionTaskInput[]; next: number | null }> {
  const { db } = ctx;
  const [d] = await db.select({ drawnAt: inspectionDraws.drawnAt, planId: inspectionDraws.planId }).from(inspectionDraws).where(eq(inspectionDraws.drawId, input.drawId));
  const [plan] = await db.select().from(inspectionPlans).where(eq(inspectionPlans.planId, d!.planId));
  const targets = await db
    .select({ creditCode: drawTargets.creditCode, ordinal: drawTargets.ordinal, items: drawTargets.items, inspectorIds: drawTargets.inspectorIds, name: marketEntities.name })
    .from(drawTargets)
    .leftJoin(marketEntities, eq(marketEntities.creditCode, drawTargets.creditCode))
    .where(and(eq(drawTargets.drawId, input.drawId), gt(drawTargets.ordinal, input.after)))
    .orderBy(asc(drawTargets.ordinal))
    .limit(TASK_PAGE);
  const next = targets.length === TASK_PAGE ? targets.at(-1)!.ordinal : null;
  const officerIds = [...new Set(targets.flatMap((t) => t.inspectorIds))];
  const itemCodes = [...new Set(targets.flatMap((t) => t.items))];
  const officers = new Map((await db.select({ id: inspectors.id, departmentCode: inspectors.departmentCode, divisionCode: inspectors.divisionCode }).from(inspectors).where(inArray(inspectors.id, officerIds.length ? officerIds : ['']))).map((o) => [o.id, o]));
  // An officer without a division: the task goes to the first division of the officer's department.
  const firstDivision = new Map((await db.select({ departmentCode: divisions.departmentCode, code: sql<string>`min(${divisions.code})` }).from(divisions).where(inArray(divisions.departmentCode, plan!.departments)).groupBy(divisions.departmentCode)).map((r) => [r.departmentCode, r.code]));
  const itemNames = new Map((await db.select({ code: supervisionItems.code, name: supervisionItems.name }).from(supervisionItems).where(inArray(supervisionItems.code, itemCodes.length ? itemCodes : ['']))).map((i) => [i.code, i.name]));
  const at = d!.drawnAt!;
  const policy = await regionPolicy(db, plan!.regionCode);
  const snapshot = snapshotOf(policy);
  const claimWindow: ClaimWindow = { openedAt: at.toISOString(), ...claimDue(await ctx.calendar.current(plan!.regionCode), snapshot, at), policy: snapshot };
  const dueAt = endOfShanghaiDay(dayOf(plan!.periodEnd)).toISOString();
  const inputs: SupervisionTaskInput[] = [];
  // A target none of whose officers has a division, in departments without one: no one to assign it to (named on the trail).
  for (const t of targets) {
    const lead = t.inspectorIds.map((id) => officers.get(id)!).find((o) => o.divisionCode) ?? officers.get(t.inspectorIds[0]!)!;
    const divisionCode = lead.divisionCode ?? firstDivision.get(lead.departmentCode);
    if (!divisionCode) continue;
    const no = inspectionTaskNo(input.drawId, t.ordinal);
    // The record form (检查结果记录表): one check item per supervision item drawn for the target.
    const checkItems = t.items.map((code) => `${code} ${itemNames.get(code) ?? ''}`.trim());
    inputs.push({
      taskId: `task-${no}.${lead.departmentCode}`,
      origin: { kind: 'random-inspection', no, workflowId: input.parentWorkflowId },
      departmentCode: lead.departmentCode,
      divisionCode,
      ...(t.items.length === 1 && { supervisionItemCode: t.items[0] }),
      creditCode: t.creditCode,
      applicantName: t.name ?? t.creditCode,
      itemName: `双随机抽查 ${plan!.name}: ${t.items.join(', ')}`,
      regionCode: plan!.regionCode,
      claimWindow,
      inspection: { drawId: input.drawId, ordinal: t.ordinal, inspectors: t.inspectorIds, checkItems, dueAt },
    });
  }
  await db.transaction(async (tx) => {
    const ids = inputs.map((i) => ({ creditCode: i.creditCode, taskId: i.taskId }));
    if (ids.length) await tx.execute(sql`update ${drawTargets} t set task_id = x."taskId" from jsonb_to_recordset(${JSON.stringify(ids)}::jsonb) as x("creditCode" text, "taskId" text) where t.draw_id = ${input.drawId} and t.credit_code = x."creditCode" and t.task_id is null`);
    if (next !== null) return;
    const [n] = await tx.select({ tasks: sql<number>`count(${drawTargets.taskId})::int`, unassigned: sql<string[]>`coalesce(jsonb_agg(${drawTargets.creditCode} order by ${drawTargets.ordinal}) filter (where ${drawTargets.taskId} is null), '[]')` }).from(drawTargets).where(eq(drawTargets.drawId, input.drawId));
    const { tasks: opened, unassigned } = n!;
    await recordStep(tx, { key: `plan:${plan!.planId}:tasks`, applicationNo: `plan:${plan!.planId}`, kind: 'inspection-tasks', summary: `${opened} random-inspection task(s) opened, inspection due ${plan!.periodEnd} 24:00${unassigned.length ? `; ${unassigned.length} target(s) not assigned: no division in their officers' departments` : ''}`, detail: { tasks: opened, dueAt, unassigned } }, at);
  });
  return { tasks: inputs, next };
}

export const inspectionTasks = { openInspectionTasks };

const PUBLISHED_RESULT = { compliant: 'no-problem', rectification: 'corrected', unreachable: 'not-located' } as const;

/**
 * A random-inspection task's feedback is its target's result (检查结果记录表): the record form as
 * answered, the result from the answers — no failed item 未发现问题, a failed item with a
 * rectification order 发现问题已责令改正, the entity not found 查无下落 —, inspected on the day
 * the work finished, on time if by the plan's period end, due on the public feed (一公开) the
 * plan's publication days after. Once per target (a retry finds it recorded).
 */
export async function recordTaskResult(ctx: Ctx, input: { taskId: string; actor: Actor; result: FeedbackResult; checklist: ChecklistAnswer[]; at: Date }): Promise<void> {
  const { db } = ctx;
  const [row] = await db
    .select({ drawId: drawTargets.drawId, creditCode: drawTargets.creditCode, items: drawTargets.items, regionCode: inspectionPlans.regionCode, periodEnd: inspectionPlans.periodEnd, publicationDays: inspectionPlans.publicationDays, departmentCode: tasks.departmentCode, finishedAt: tasks.inspectionFinishedAt })
    .from(drawTargets)
    .innerJoin(inspectionPlans, eq(inspectionPlans.planId, drawTargets.drawId))
    .innerJoin(tasks, eq(tasks.taskId, drawTargets.taskId))
    .where(eq(drawTargets.taskId, input.taskId));
  if (!row) return;
  const result = PUBLISHED_RESULT[input.result as keyof typeof PUBLISHED_RESULT] ?? 'problem-found';
  const inspectedOn = dateOf(shanghaiDayOf(row.finishedAt ?? input.at));
  const calendar = await ctx.calendar.current(row.regionCode);
  const publishDue = computeDeadline(calendar, { unit: 'working-day', officeTime: '09:00' }, new Date(`${inspectedOn}T12:00:00+08:00`), row.publicationDays, 0);
  const onTime = input.at <= endOfShanghaiDay(dayOf(row.periodEnd));
  const failed = input.checklist.filter((c) => c.answer === 'fail').length;
  await recordResult(
    db,
    { drawId: row.drawId, creditCode: row.creditCode, departmentCode: row.departmentCode, regionCode: row.regionCode, items: row.items, inspectedOn, result, checklist: input.checklist, recordedBy: input.actor, recordedAt: input.at, onTime, publishDueAt: new Date(publishDue.dueAt) },
    `${row.creditCode}: ${result} (task ${input.taskId}, inspected ${inspectedOn}, ${input.checklist.length} check items, ${failed} failed)${onTime ? '' : ' — after the plan’s period'}`,
  );
}
