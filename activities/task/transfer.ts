// 移交: a task closed because an arbiter reassigned its linkage; the row says so (outcome
// `transferred`) and its trail names the task that replaces it.
import { and, eq, ne } from 'drizzle-orm';
import { tasks } from '../../db/schema/index.js';
import type { Actor } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { writeWithStep } from '../steps.js';

export async function closeTransferred({ db, clock }: Ctx, input: { taskId: string; applicationNo: string; linkageId?: number; toDepartment: string; toTaskId: string; actor: Actor; reason: string }): Promise<void> {
  const now = clock();
  const write = db.update(tasks).set({ status: 'closed', outcome: 'transferred', closedAt: now, updatedAt: now }).where(and(eq(tasks.taskId, input.taskId), ne(tasks.status, 'closed')));
  const step = { key: `${input.taskId}:transferred`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'task-closed-transferred', summary: `closed: transferred to ${input.toDepartment} (${input.toTaskId}) — ${input.reason}`, actor: input.actor, detail: { linkageId: input.linkageId ?? null, toDepartment: input.toDepartment, toTaskId: input.toTaskId, reason: input.reason } };
  await writeWithStep(db, write, step, now);
}

export const transfer = { closeTransferred };
