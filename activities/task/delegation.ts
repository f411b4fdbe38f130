// 委派: a delegation of a task to named officers, on the read model (task_delegations, once per
// task and seq) and on the task's trail, in one statement; a retry writes nothing twice.
import { taskDelegations } from '../../db/schema/index.js';
import type { Actor } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { writeWithStep } from '../steps.js';

export interface DelegationRecord {
  taskId: string;
  applicationNo: string;
  actor: Actor;
  inspectors: string[];
  seq: number;
  at: string;
  /** A re-delegation: the officers it replaces, and why. */
  previous?: string[];
  reason?: string;
}

export async function recordDelegation({ db }: Ctx, input: DelegationRecord): Promise<void> {
  const at = new Date(input.at);
  const write = db.insert(taskDelegations).values({ taskId: input.taskId, seq: input.seq, inspectorIds: input.inspectors, reason: input.reason ?? null, delegatedBy: input.actor, delegatedAt: at }).onConflictDoNothing();
  const whom = input.inspectors.join(', ');
  const summary = input.previous ? `re-delegated (委派 #${input.seq}) to ${whom}, replacing ${input.previous.join(', ')}: ${input.reason ?? ''}` : `delegated (委派) to ${whom}${input.reason ? `: ${input.reason}` : ''}`;
  const step = { key: `${input.taskId}:delegated:${input.seq}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'task-delegated', summary, actor: input.actor, detail: { seq: input.seq, inspectors: input.inspectors, ...(input.previous && { previous: input.previous }), ...(input.reason && { reason: input.reason }) } };
  await writeWithStep(db, write, step, at);
}

export const delegation = { recordDelegation };
