// 推送 and 双向推送: an approved case pushes its dossier to each supervising department, which
// opens the tasks' claim window, and hears each task's result back. The case's other stage
// moves (unrouted, decision overdue, closed) are recorded here too, by the same statement.
import { eq } from 'drizzle-orm';
import { auditEvents, cases, resultReceipts } from '../../db/schema/index.js';
import { caseTerms, snapshotOf } from '../../db/policies.js';
import type { Actor, ClaimWindow } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { recordStep, writeWithStepOnce } from '../steps.js';

const caseStage = writeWithStepOnce<{ stage: string; now: Date; applicationNo: string }>((db, p) =>
  db.update(cases).set({ stage: p('stage'), updatedAt: p('now') }).where(eq(cases.applicationNo, p('applicationNo'))),
);
type ReceiptValues = { taskId: string; applicationNo: string; departmentCode: string; outcome: string; result: string; receivedAt: Date };
const resultReceived = writeWithStepOnce<ReceiptValues>((db, p) =>
  db
    .insert(resultReceipts)
    .values({ taskId: p('taskId'), applicationNo: p('applicationNo'), departmentCode: p('departmentCode'), outcome: p('outcome'), result: p('result'), receivedAt: p('receivedAt') })
    .onConflictDoNothing({ target: resultReceipts.taskId }),
);
const caseClosed = writeWithStepOnce<{ stage: string; now: Date; reason: string; applicationNo: string }>((db, p) =>
  db.update(cases).set({ stage: p('stage'), updatedAt: p('now'), closedAt: p('now'), closeReason: p('reason') }).where(eq(cases.applicationNo, p('applicationNo'))),
);

/** The claim window (认领) of a task pushed at `at`, under the case's pinned policy and its region's calendar. */
async function openClaimWindow({ db, calendar }: Ctx, applicationNo: string, at: Date): Promise<ClaimWindow> {
  const terms = await caseTerms(db, applicationNo);
  const policy = snapshotOf(terms.policy);
  return { openedAt: at.toISOString(), ...claimDue(await calendar.current(terms.regionCode, terms.calendarVersion), policy, at), policy };
}

/** Moves the case to a stage and records why, once per step key; `close` closes the case. */
export async function recordCaseStage({ db, clock }: Ctx, input: { applicationNo: string; step: string; stage: string; kind: string; summary: string; detail?: Record<string, unknown>; close?: boolean }): Promise<void> {
  const now = clock();
  const step = { key: `${input.applicationNo}:${input.step}`, applicationNo: input.applicationNo, kind: input.kind, summary: input.summary, detail: input.detail };
  if (input.close) await caseClosed(db, { stage: input.stage, now, reason: input.summary, applicationNo: input.applicationNo }, step, now);
  else await caseStage(db, { stage: input.stage, now, applicationNo: input.applicationNo }, step, now);
}

/**
 * 推送: the case is supervising, and the push is on the record before any task exists (the
 * trail reads push → task → SMS). It answers the claim window of the tasks, under the item's
 * policy from this instant, so each task starts with its deadline. A retry after the push was
 * recorded writes no second step and answers the window from the recorded instant.
 */
export async function recordPush(ctx: Ctx, input: { applicationNo: string; itemCode: string; summary: string; taskIds: string[] }): Promise<{ claimWindow: ClaimWindow }> {
  const now = ctx.clock();
  const claimWindow = await openClaimWindow(ctx, input.applicationNo, now);
  const step = { key: `${input.applicationNo}:supervising`, applicationNo: input.applicationNo, kind: 'pushed', summary: input.summary, detail: { taskIds: input.taskIds } };
  if (await caseStage(ctx.db, { stage: 'supervising', now, applicationNo: input.applicationNo }, step, now)) return { claimWindow };
  const [pushed] = await ctx.db.select({ at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, step.key));
  return { claimWindow: pushed ? await openClaimWindow(ctx, input.applicationNo, pushed.at) : claimWindow };
}

/**
 * 双向推送: a supervision result arrives back at the approval side: the receipt the approval
 * department's worklist shows unread until it acknowledges it, and its step on the record.
 */
export async function recordResultReceipt({ db, clock }: Ctx, input: { applicationNo: string; taskId: string; departmentCode: string; outcome: string; result: string }): Promise<void> {
  const now = clock();
  const summary = `result from ${input.departmentCode} received by the approval side: ${input.outcome} (${input.result})`;
  const step = { key: `${input.applicationNo}:result-received:${input.taskId}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'result-received', summary, detail: { outcome: input.outcome, result: input.result } };
  await resultReceived(db, { ...input, receivedAt: now }, step, now);
}

/**
 * 移交: an arbiter reassigned a linkage of the case: on the case's trail, and the claim window of
 * the task that replaces the old one — opened at the transfer, as a push opens it (a retry
 * answers the window of the first attempt's instant).
 */
export async function recordTransfer(ctx: Ctx, input: { applicationNo: string; linkageId: number; fromTaskId: string; toTaskId: string; toDepartment: string; actor: Actor; reason: string }): Promise<{ claimWindow: ClaimWindow }> {
  const now = ctx.clock();
  const key = `${input.applicationNo}:transfer:${input.fromTaskId}`;
  const step = { key, applicationNo: input.applicationNo, taskId: input.fromTaskId, kind: 'task-transferred', summary: `linkage ${input.linkageId} reassigned by the arbiter: ${input.fromTaskId} moves to ${input.toDepartment} (${input.toTaskId}) — ${input.reason}`, actor: input.actor, detail: { linkageId: input.linkageId, fromTaskId: input.fromTaskId, toTaskId: input.toTaskId, toDepartment: input.toDepartment, reason: input.reason } };
  if (await recordStep(ctx.db, step, now)) return { claimWindow: await openClaimWindow(ctx, input.applicationNo, now) };
  const [first] = await ctx.db.select({ at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, key));
  return { claimWindow: await openClaimWindow(ctx, input.applicationNo, first?.at ?? now) };
}

export const supervision = { recordCaseStage, recordPush, recordResultReceipt, recordTransfer };
