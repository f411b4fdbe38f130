// Every side effect of the loop lives here (ARCHITECTURE.md §2). Activities run at least once,
// so each write is keyed by a business key with a unique constraint: a retry finds its row and
// does nothing twice (ARCHITECTURE.md §4).
import { Context, ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { approvalItems, auditEvents, cases, departments, divisions, dossiers, linkages, notifications, tasks } from '../db/schema/index.js';
import type { SmsAdapter } from './adapters/sms.js';
import type { CreditAdapter } from './adapters/credit.js';
import type { CalendarSource } from './calendar.js';
import { FailureType, SYSTEM_ACTOR, type Actor, type ApprovalCaseInput, type FeedbackResult, type SupervisionTaskInput } from '../workflows/contracts.js';
import { formatShanghai } from '../workflows/domain/format.js';
import { renderMessage, type MessageTemplate } from './messages.js';

export interface ActivityDeps {
  db: Db;
  sms: SmsAdapter;
  credit: CreditAdapter;
  calendar: CalendarSource;
  clock: () => Date;
  policy: { claimWorkingDays: number; feedbackWorkingDays: number };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Writer = Tx | Db;

interface StepRecord {
  /** Business key of the step, e.g. `<applicationNo>:decided`; unique in audit_events. */
  key: string;
  applicationNo: string;
  taskId?: string;
  kind: string;
  summary: string;
  actor?: Actor;
  detail?: Record<string, unknown>;
}

function workflowIdOrNull(): string | null {
  try {
    return Context.current().info.workflowExecution?.workflowId ?? null;
  } catch {
    return null; // called outside an activity (tests, scripts)
  }
}

/** Appends an audit event once; returns false when this step was already recorded. */
async function recordStep(tx: Writer, step: StepRecord, at: Date): Promise<boolean> {
  const inserted = await tx
    .insert(auditEvents)
    .values({
      eventKey: step.key,
      applicationNo: step.applicationNo,
      taskId: step.taskId ?? null,
      kind: step.kind,
      summary: step.summary,
      actor: step.actor ?? SYSTEM_ACTOR,
      detail: step.detail ?? {},
      workflowId: workflowIdOrNull(),
      at,
    })
    .onConflictDoNothing({ target: auditEvents.eventKey })
    .returning({ id: auditEvents.id });
  return inserted.length > 0;
}

export type Recipient =
  | { kind: 'division-admin'; divisionCode: string }
  | { kind: 'department-head'; departmentCode: string }
  | { kind: 'applicant'; applicationNo: string };

export interface NotifyInput {
  businessKey: string;
  recipient: Recipient;
  template: MessageTemplate;
  params: Record<string, string>;
  applicationNo: string;
  taskId?: string;
}

export function createActivities(deps: ActivityDeps) {
  const { db, clock } = deps;

  async function resolveRecipient(r: Recipient): Promise<{ phone: string; name: string }> {
    if (r.kind === 'division-admin') {
      const [d] = await db.select().from(divisions).where(eq(divisions.code, r.divisionCode));
      if (!d) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `division ${r.divisionCode} not found`, nonRetryable: true });
      return { phone: d.adminPhone, name: d.adminName };
    }
    if (r.kind === 'department-head') {
      const [d] = await db.select().from(departments).where(eq(departments.code, r.departmentCode));
      if (!d?.headPhone) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `department ${r.departmentCode} has no head phone`, nonRetryable: true });
      return { phone: d.headPhone, name: d.headName ?? d.name };
    }
    const [c] = await db.select().from(cases).where(eq(cases.applicationNo, r.applicationNo));
    if (!c) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `case ${r.applicationNo} not found`, nonRetryable: true });
    return { phone: c.applicantPhone, name: c.applicantName };
  }

  return {
    /** Registers the case in the read model with the catalog version it starts with. */
    async openCase(input: ApprovalCaseInput) {
      const [item] = await db.select().from(approvalItems).where(eq(approvalItems.code, input.itemCode));
      if (!item) {
        throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `approval item ${input.itemCode} not found`, nonRetryable: true });
      }
      const now = clock();
      await db.transaction(async (tx) => {
        await tx
          .insert(cases)
          .values({
            applicationNo: input.applicationNo,
            workflowId: workflowIdOrNull() ?? `case-${input.applicationNo}`,
            itemCode: item.code,
            itemVersion: item.version,
            approvalDepartmentCode: item.departmentCode,
            regionCode: item.regionCode,
            applicantCreditCode: input.applicant.creditCode,
            applicantName: input.applicant.name,
            applicantPhone: input.applicant.phone,
            requestedRoute: input.route,
            requestHash: input.requestHash,
            stage: 'credit-check',
            submittedBy: input.submittedBy.sub,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing();
        await recordStep(
          tx,
          {
            key: `${input.applicationNo}:submitted`,
            applicationNo: input.applicationNo,
            kind: 'submitted',
            summary: `application accepted for ${item.name}${item.subItem ? ` / ${item.subItem}` : ''}`,
            actor: input.submittedBy,
            detail: { itemCode: item.code, itemVersion: item.version, requestedRoute: input.route, materials: input.materials },
          },
          now,
        );
      });
      return {
        itemName: item.name,
        itemVersion: item.version,
        approvalDepartmentCode: item.departmentCode,
        regionCode: item.regionCode,
        statutoryDays: item.statutoryDays,
        commitmentAllowed: item.commitmentAllowed,
      };
    },

    /** 审批事前信用查询: asks the credit platform and files the answer on the case. */
    async creditPreCheck(input: { applicationNo: string; creditCode: string }) {
      const standing = await deps.credit.query(input.creditCode);
      const now = clock();
      const result = { ...standing, checkedAt: now.toISOString() };
      await db.transaction(async (tx) => {
        await tx.update(cases).set({ creditResult: result, updatedAt: now }).where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(
          tx,
          {
            key: `${input.applicationNo}:credit-checked`,
            applicationNo: input.applicationNo,
            kind: 'credit-checked',
            summary: `credit pre-check: grade ${standing.grade}${standing.blacklisted ? ', on the dishonesty list' : ''}, ${standing.brokenCommitments} broken commitment(s)`,
            detail: result,
          },
          now,
        );
      });
      return standing;
    },

    /** Files the route and opens the statutory decision window. */
    async recordRoute(input: { applicationNo: string; route: 'standard' | 'commitment'; reason: string; statutoryDays: number }) {
      const now = clock();
      const calendar = await deps.calendar.current();
      const due = calendar.deadline(now, input.statutoryDays);
      await db.transaction(async (tx) => {
        await tx
          .update(cases)
          .set({ route: input.route, routeReason: input.reason, stage: 'awaiting-decision', decisionDueAt: due.dueAt, updatedAt: now })
          .where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(
          tx,
          {
            key: `${input.applicationNo}:routed`,
            applicationNo: input.applicationNo,
            kind: 'routed',
            summary: `${input.route} route (${input.reason}); decision due ${formatShanghai(due.dueAt)}${due.provisional ? ' (provisional)' : ''}`,
            detail: { route: input.route, reason: input.reason, decisionDueAt: due.dueAt.toISOString(), provisional: due.provisional },
          },
          now,
        );
      });
      return { decisionDueAt: due.dueAt.toISOString(), provisional: due.provisional };
    },

    /** Records the decision; an approval issues the licence and stores the dossier for supervision. */
    async recordDecision(input: { applicationNo: string; outcome: 'approve' | 'reject'; opinion: string; actor: Actor; decidedAt: string; materials: string[]; commitmentText?: string }) {
      const now = clock();
      const decidedAt = new Date(input.decidedAt);
      return db.transaction(async (tx) => {
        const approved = input.outcome === 'approve';
        await tx
          .update(cases)
          .set({
            decision: input.outcome,
            decisionOpinion: input.opinion,
            decidedAt,
            stage: approved ? 'licensed' : 'rejected',
            licenceStatus: approved ? 'issued' : 'none',
            updatedAt: now,
          })
          .where(eq(cases.applicationNo, input.applicationNo));
        let dossierId: number | null = null;
        if (approved) {
          await tx
            .insert(dossiers)
            .values({ applicationNo: input.applicationNo, materials: input.materials, opinion: input.opinion, commitmentText: input.commitmentText ?? null })
            .onConflictDoNothing({ target: dossiers.applicationNo });
          const [d] = await tx.select({ id: dossiers.id }).from(dossiers).where(eq(dossiers.applicationNo, input.applicationNo));
          dossierId = d!.id;
        }
        await recordStep(
          tx,
          {
            key: `${input.applicationNo}:decided`,
            applicationNo: input.applicationNo,
            kind: approved ? 'approved' : 'rejected',
            summary: approved ? `approved, licence issued: ${input.opinion}` : `rejected: ${input.opinion}`,
            actor: input.actor,
            detail: { outcome: input.outcome, opinion: input.opinion, dossierId },
          },
          decidedAt,
        );
        return { dossierId };
      });
    },

    /** The confirmed linkages of an item: one supervision task per supervising department. */
    async resolveLinkages(input: { itemCode: string }) {
      const rows = await db
        .select({
          departmentCode: linkages.supervisionDepartmentCode,
          divisionCode: linkages.divisionCode,
          supervisionItemCode: linkages.supervisionItemCode,
        })
        .from(linkages)
        .where(and(eq(linkages.approvalItemCode, input.itemCode), eq(linkages.status, 'confirmed')))
        .orderBy(linkages.supervisionDepartmentCode);
      return rows.map((r) => {
        if (!r.divisionCode) {
          throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `confirmed linkage of ${input.itemCode} to ${r.departmentCode} names no division`, nonRetryable: true });
        }
        return { departmentCode: r.departmentCode, divisionCode: r.divisionCode, supervisionItemCode: r.supervisionItemCode ?? undefined };
      });
    },

    /** Moves the case to a stage and records why, once per step key. */
    async recordCaseStage(input: { applicationNo: string; step: string; stage: string; kind: string; summary: string; detail?: Record<string, unknown>; close?: boolean }) {
      const now = clock();
      await db.transaction(async (tx) => {
        await tx
          .update(cases)
          .set({ stage: input.stage, updatedAt: now, ...(input.close && { closedAt: now, closeReason: input.summary }) })
          .where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(tx, { key: `${input.applicationNo}:${input.step}`, applicationNo: input.applicationNo, kind: input.kind, summary: input.summary, detail: input.detail }, now);
      });
    },

    /** Creates the supervision task (推送) and opens its claim window (3 working days from now). */
    async openTask(input: SupervisionTaskInput) {
      const now = clock();
      const calendar = await deps.calendar.current();
      const due = calendar.deadline(now, deps.policy.claimWorkingDays);
      return db.transaction(async (tx) => {
        await tx
          .insert(tasks)
          .values({
            taskId: input.taskId,
            applicationNo: input.applicationNo,
            departmentCode: input.departmentCode,
            divisionCode: input.divisionCode,
            supervisionItemCode: input.supervisionItemCode ?? null,
            applicantCreditCode: input.creditCode,
            status: 'awaiting-claim',
            pushedAt: now,
            claimDueAt: due.dueAt,
            claimDueProvisional: due.provisional,
          })
          .onConflictDoNothing();
        // A retry after a commit must answer with the deadline that was stored, not a new one.
        const [row] = await tx.select().from(tasks).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          {
            key: `${input.taskId}:pushed`,
            applicationNo: input.applicationNo,
            taskId: input.taskId,
            kind: 'task-pushed',
            summary: `dossier pushed to ${input.departmentCode} / ${input.divisionCode}; claim due ${formatShanghai(row!.claimDueAt)} (${deps.policy.claimWorkingDays} working days${row!.claimDueProvisional ? ', provisional' : ''})`,
            detail: { dossierId: input.dossierId, claimDueAt: row!.claimDueAt.toISOString(), provisional: row!.claimDueProvisional },
          },
          row!.pushedAt,
        );
        return { claimDueAt: row!.claimDueAt.toISOString(), provisional: row!.claimDueProvisional, workingDays: deps.policy.claimWorkingDays };
      });
    },

    /**
     * Sends one message in effect: the outbox row is keyed by the business key, and the same
     * key is the provider's out_id, so neither a retry here nor one at the provider sends twice.
     */
    async notify(input: NotifyInput) {
      const now = clock();
      const to = await resolveRecipient(input.recipient);
      const body = renderMessage(input.template, input.params);
      await db
        .insert(notifications)
        .values({
          businessKey: input.businessKey,
          recipientPhone: to.phone,
          recipientName: to.name,
          template: input.template,
          body,
          applicationNo: input.applicationNo,
          taskId: input.taskId ?? null,
          status: 'pending',
          createdAt: now,
        })
        .onConflictDoNothing({ target: notifications.businessKey });
      const [row] = await db.select().from(notifications).where(eq(notifications.businessKey, input.businessKey));
      if (row!.status === 'sent' || row!.status === 'delivered') {
        return { businessKey: input.businessKey, status: row!.status, resent: false };
      }
      const receipt = await deps.sms.send({ outId: input.businessKey, phone: row!.recipientPhone, body: row!.body });
      const sentAt = clock();
      await db.transaction(async (tx) => {
        await tx
          .update(notifications)
          .set({ status: 'sent', providerMessageId: receipt.providerMessageId, sentAt })
          .where(eq(notifications.businessKey, input.businessKey));
        await recordStep(
          tx,
          {
            key: `${input.businessKey}:sent`,
            applicationNo: input.applicationNo,
            taskId: input.taskId,
            kind: 'notification-sent',
            summary: `SMS (${input.template}) to ${to.name} ${to.phone}`,
            detail: { businessKey: input.businessKey, providerMessageId: receipt.providerMessageId },
          },
          sentAt,
        );
      });
      return { businessKey: input.businessKey, status: 'sent' as const, resent: !receipt.duplicate };
    },

    /** 认领: the division took the task on; claim time feeds the timeliness statistics. */
    async recordClaim(input: { taskId: string; applicationNo: string; actor: Actor; claimedAt: string; onTime: boolean }) {
      const claimedAt = new Date(input.claimedAt);
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ status: 'claimed', claimedAt, claimedBy: input.actor.sub, updatedAt: clock() }).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:claimed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'task-claimed', summary: `claimed by ${input.actor.sub}${input.onTime ? '' : ' (after the claim deadline)'}`, actor: input.actor, detail: { onTime: input.onTime } },
          claimedAt,
        );
      });
    },

    /** The claim window passed unclaimed: marked overdue, escalation on the record. */
    async markClaimOverdue(input: { taskId: string; applicationNo: string; claimDueAt: string }) {
      const now = clock();
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ claimOverdue: true, escalatedAt: now, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:claim-overdue`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'claim-overdue', summary: `not claimed by ${formatShanghai(input.claimDueAt)}: overdue, escalated to the department head`, detail: { claimDueAt: input.claimDueAt } },
          now,
        );
      });
    },

    /** Supervision finished: opens the feedback window of 5 working days after `finishedAt`. */
    async recordInspection(input: { taskId: string; applicationNo: string; actor: Actor; finishedAt: string; findings: string }) {
      const now = clock();
      const finishedAt = new Date(input.finishedAt);
      const calendar = await deps.calendar.current();
      const due = calendar.deadline(finishedAt, deps.policy.feedbackWorkingDays);
      await db.transaction(async (tx) => {
        await tx
          .update(tasks)
          .set({ status: 'awaiting-feedback', inspectionFinishedAt: finishedAt, findings: input.findings, feedbackDueAt: due.dueAt, feedbackDueProvisional: due.provisional, updatedAt: now })
          .where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:inspected`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'inspection-finished', summary: `supervision finished ${formatShanghai(finishedAt)}; feedback due ${formatShanghai(due.dueAt)} (${deps.policy.feedbackWorkingDays} working days)`, actor: input.actor, detail: { findings: input.findings, feedbackDueAt: due.dueAt.toISOString(), provisional: due.provisional } },
          now,
        );
      });
      return { feedbackDueAt: due.dueAt.toISOString(), provisional: due.provisional, workingDays: deps.policy.feedbackWorkingDays };
    },

    async markFeedbackOverdue(input: { taskId: string; applicationNo: string; feedbackDueAt: string }) {
      const now = clock();
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ feedbackOverdue: true, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:feedback-overdue`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback-overdue', summary: `no feedback by ${formatShanghai(input.feedbackDueAt)}: overdue`, detail: { feedbackDueAt: input.feedbackDueAt } },
          now,
        );
      });
    },

    /**
     * The supervision result, filed on the task and pushed back to the approval side
     * (双向推送): the case's trail shows each result arriving.
     */
    async recordFeedback(input: { taskId: string; applicationNo: string; actor: Actor; result: FeedbackResult; note: string; at: string; onTime: boolean; closes: boolean }) {
      const at = new Date(input.at);
      await db.transaction(async (tx) => {
        await tx
          .update(tasks)
          .set({ feedbackAt: at, result: input.result, resultNote: input.note, updatedAt: clock(), ...(input.closes && { status: 'closed', closedAt: at }) })
          .where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:feedback`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback', summary: `supervision result: ${input.result}${input.onTime ? '' : ' (after the feedback deadline)'}${input.note ? ` — ${input.note}` : ''}`, actor: input.actor, detail: { result: input.result, note: input.note, onTime: input.onTime } },
          at,
        );
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

// Used by readiness checks and tests: the count of effects by business key.
export async function countNotifications(db: Db, businessKey: string): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from notifications where business_key = ${businessKey}`);
  return rows[0]?.n ?? 0;
}
