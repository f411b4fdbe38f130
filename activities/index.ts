// Every side effect of the loop lives here (ARCHITECTURE.md §2). Activities run at least once,
// so each write is keyed by a business key with a unique constraint: a retry finds its row and
// does nothing twice (ARCHITECTURE.md §4).
import { Context, ApplicationFailure } from '@temporalio/activity';
import { and, asc, desc, eq, getTableColumns, gt, gte, inArray, or, sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import { preparedPerDb, type Db } from '../db/client.js';
import { alerts, approvalItems, auditEvents, calendarImports, cases, departments, divisions, dossiers, notifications, regions, tasks } from '../db/schema/index.js';
import { confirmedLinkages, confirmedLinkagesColumn } from '../db/catalog.js';
import { itemTerms, policyForItem, snapshotOf, type PolicySnapshot } from '../db/policies.js';
import { calendarVersionColumn } from '../db/calendar.js';
import { computeDeadline, urgeAfter } from '../workflows/domain/deadlines.js';
import type { SmsAdapter } from './adapters/sms.js';
import type { CreditAdapter } from './adapters/credit.js';
import type { CalendarSource } from './calendar.js';
import { FailureType, calendarChangedSignal, type Actor, type ApprovalCaseInput, type ClaimWindow, type FeedbackResult, type SupervisionTaskInput } from '../workflows/contracts.js';
import { formatShanghai } from '../workflows/domain/format.js';
import { renderMessage, type MessageTemplate } from './messages.js';
import { createEffectActivities } from './effects.js';
import { recordStep, stepInsert, workflowIdOrNull, writeWithStep, writeWithStepOnce } from './steps.js';
import type { CreditPlatform } from './adapters/credit-platform.js';
import type { ElicenceService } from './adapters/elicence.js';

export interface ActivityDeps {
  db: Db;
  sms: SmsAdapter;
  credit: CreditAdapter;
  creditPlatform: CreditPlatform;
  elicence: ElicenceService;
  calendar: CalendarSource;
  clock: () => Date;
  /** For activities that signal other workflows (re-timing after a calendar import). */
  temporal?: Client;
}

// ── The lookups every case makes, prepared once per database (db/client.ts, preparedPerDb) ──
const lookups = preparedPerDb((db) => ({
  division: db.select().from(divisions).where(eq(divisions.code, sql.placeholder('code'))).prepare('division_by_code'),
  itemWithLinkages: db
    .select({ ...getTableColumns(approvalItems), pinned: confirmedLinkagesColumn(approvalItems.code) })
    .from(approvalItems)
    .where(eq(approvalItems.code, sql.placeholder('code')))
    .prepare('item_with_linkages'),
  pinnedLinkages: db.select({ applicationNo: cases.applicationNo, pinnedLinkages: cases.pinnedLinkages }).from(cases).where(eq(cases.applicationNo, sql.placeholder('no'))).prepare('case_pinned_linkages'),
  taskPolicy: db.select({ policy: tasks.policy, calendarVersion: calendarVersionColumn }).from(tasks).where(eq(tasks.taskId, sql.placeholder('id'))).prepare('task_policy'),
}));

// ── The writes every case makes, built by drizzle once (steps.ts, writeWithStepOnce) ──
type CaseOpening = Record<'applicationNo' | 'workflowId' | 'itemCode' | 'department' | 'region' | 'creditCode' | 'name' | 'phone' | 'route' | 'requestHash' | 'submittedBy', string> & {
  pinned: (typeof cases.$inferInsert)['pinnedLinkages'];
  itemVersion: number;
  now: Date;
};
const caseOpened = writeWithStepOnce<CaseOpening>((db, p) =>
  db
    .insert(cases)
    .values({
      pinnedLinkages: p('pinned'),
      applicationNo: p('applicationNo'),
      workflowId: p('workflowId'),
      itemCode: p('itemCode'),
      itemVersion: p('itemVersion'),
      approvalDepartmentCode: p('department'),
      regionCode: p('region'),
      applicantCreditCode: p('creditCode'),
      applicantName: p('name'),
      applicantPhone: p('phone'),
      requestedRoute: p('route'),
      requestHash: p('requestHash'),
      stage: 'credit-check',
      submittedBy: p('submittedBy'),
      createdAt: p('now'),
      updatedAt: p('now'),
    })
    .onConflictDoNothing(),
);
const smsSent = writeWithStepOnce<{ providerMessageId: string; sentAt: Date; businessKey: string }>((db, p) =>
  db.update(notifications).set({ status: 'sent', providerMessageId: p('providerMessageId'), sentAt: p('sentAt') }).where(eq(notifications.businessKey, p('businessKey'))),
);
const caseStage = writeWithStepOnce<{ stage: string; now: Date; applicationNo: string }>((db, p) =>
  db.update(cases).set({ stage: p('stage'), updatedAt: p('now') }).where(eq(cases.applicationNo, p('applicationNo'))),
);
const caseClosed = writeWithStepOnce<{ stage: string; now: Date; reason: string; applicationNo: string }>((db, p) =>
  db.update(cases).set({ stage: p('stage'), updatedAt: p('now'), closedAt: p('now'), closeReason: p('reason') }).where(eq(cases.applicationNo, p('applicationNo'))),
);
const creditChecked = writeWithStepOnce<{ result: NonNullable<(typeof cases.$inferInsert)['creditResult']>; now: Date; applicationNo: string }>((db, p) =>
  db.update(cases).set({ creditResult: p('result'), updatedAt: p('now') }).where(eq(cases.applicationNo, p('applicationNo'))),
);
type RouteValues = { route: string; reason: string; scenario: string | null; dueAt: Date; provisional: boolean; window: { amount: number; unit: 'working-day' | 'minute'; officeTime: string }; now: Date; applicationNo: string };
const routed = writeWithStepOnce<RouteValues>((db, p) =>
  db
    .update(cases)
    .set({ route: p('route'), routeReason: p('reason'), commitmentScenario: p('scenario'), stage: 'awaiting-decision', decisionDueAt: p('dueAt'), decisionDueProvisional: p('provisional'), decisionWindow: p('window'), updatedAt: p('now') })
    .where(eq(cases.applicationNo, p('applicationNo'))),
);
type DecisionValues = { decision: string; opinion: string; decidedAt: Date; stage: string; licenceStatus: string; now: Date; applicationNo: string };
const decided = writeWithStepOnce<DecisionValues>((db, p) =>
  db
    .update(cases)
    .set({ decision: p('decision'), decisionOpinion: p('opinion'), decidedAt: p('decidedAt'), stage: p('stage'), licenceStatus: p('licenceStatus'), updatedAt: p('now') })
    .where(eq(cases.applicationNo, p('applicationNo'))),
);
const claimed = writeWithStepOnce<{ claimedAt: Date; claimedBy: string; now: Date; taskId: string }>((db, p) =>
  db.update(tasks).set({ status: 'claimed', claimedAt: p('claimedAt'), claimedBy: p('claimedBy'), updatedAt: p('now') }).where(eq(tasks.taskId, p('taskId'))),
);
type InspectionValues = { finishedAt: Date; findings: string; dueAt: Date; provisional: boolean; remindAt: Date | null; now: Date; taskId: string };
const inspected = writeWithStepOnce<InspectionValues>((db, p) =>
  db
    .update(tasks)
    .set({ status: 'awaiting-feedback', inspectionFinishedAt: p('finishedAt'), findings: p('findings'), feedbackDueAt: p('dueAt'), feedbackDueProvisional: p('provisional'), feedbackRemindAt: p('remindAt'), updatedAt: p('now') })
    .where(eq(tasks.taskId, p('taskId'))),
);
const fedBack = writeWithStepOnce<{ at: Date; result: FeedbackResult; note: string; now: Date; taskId: string }>((db, p) =>
  db.update(tasks).set({ feedbackAt: p('at'), result: p('result'), resultNote: p('note'), updatedAt: p('now') }).where(eq(tasks.taskId, p('taskId'))),
);
const fedBackClosed = writeWithStepOnce<{ at: Date; result: FeedbackResult; note: string; now: Date; outcome: 'unreachable' | 'compliant'; taskId: string }>((db, p) =>
  db
    .update(tasks)
    .set({ feedbackAt: p('at'), result: p('result'), resultNote: p('note'), updatedAt: p('now'), status: 'closed', closedAt: p('at'), outcome: p('outcome') })
    .where(eq(tasks.taskId, p('taskId'))),
);

function activityContextOrNull(): Context | null {
  try {
    return Context.current();
  } catch {
    return null;
  }
}

export type Recipient =
  | { kind: 'division-admin'; divisionCode: string }
  | { kind: 'department-head'; departmentCode: string }
  | { kind: 'coordinating-office'; regionCode: string }
  | { kind: 'regional-admin'; regionCode: string }
  | { kind: 'applicant'; applicationNo: string };

export interface NotifyInput {
  businessKey: string;
  recipient: Recipient;
  template: MessageTemplate;
  params: Record<string, string>;
  applicationNo: string;
  taskId?: string;
}

/** The reason a re-timed deadline gives on the trail: "calendar 2026 updated". */
const calendarUpdated = (year: number | undefined) => (year ? `calendar ${year} updated` : 'calendar updated');

export function createActivities(deps: ActivityDeps) {
  const { db, clock } = deps;

  /** The recipient's name and phone; phone null when none is on file (the message then fails, on the record). */
  async function resolveRecipient(r: Recipient): Promise<{ phone: string | null; name: string }> {
    if (r.kind === 'division-admin') {
      const [d] = await lookups(db).division.execute({ code: r.divisionCode });
      if (!d) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `division ${r.divisionCode} not found`, nonRetryable: true });
      return { phone: d.adminPhone, name: d.adminName };
    }
    if (r.kind === 'department-head') {
      const [d] = await db.select().from(departments).where(eq(departments.code, r.departmentCode));
      return { phone: d?.headPhone ?? null, name: d ? (d.headName ?? d.name) : `head of ${r.departmentCode}` };
    }
    if (r.kind === 'regional-admin') {
      const [reg] = await db.select().from(regions).where(eq(regions.code, r.regionCode));
      return { phone: reg?.adminPhone ?? null, name: reg?.adminName ?? `regional admin of ${r.regionCode}` };
    }
    if (r.kind === 'coordinating-office') {
      // 政务办: the region's coordinating department, which escalations reach after the head.
      const [d] = await db.select().from(departments).where(and(eq(departments.regionCode, r.regionCode), eq(departments.side, 'coordination')));
      return { phone: d?.headPhone ?? null, name: d ? (d.headName ?? d.name) : `coordinating office of ${r.regionCode}` };
    }
    const [c] = await db.select().from(cases).where(eq(cases.applicationNo, r.applicationNo));
    if (!c) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `case ${r.applicationNo} not found`, nonRetryable: true });
    return { phone: c.applicantPhone, name: c.applicantName };
  }

  /** 材料延期: the item's deadline policy and its commitment period (the policy's, else the item's, else 20 working days). */
  async function commitmentRule(itemCode: string) {
    const { policy, commitmentPeriodDays, calendarVersion } = await itemTerms(db, itemCode);
    return { policy, period: policy.commitmentPeriod ?? commitmentPeriodDays ?? 20, calendarVersion };
  }

  /** Tells a running case or task that the calendar changed; one that closed meanwhile has nothing to re-time. */
  async function signalCalendarChanged(workflowId: string, importId: number, year: number) {
    await deps.temporal
      ?.workflow.getHandle(workflowId)
      .signal(calendarChangedSignal, { importId, year })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      });
  }

  async function itemOfCase(applicationNo: string): Promise<string | undefined> {
    const [c] = await db.select({ itemCode: cases.itemCode }).from(cases).where(eq(cases.applicationNo, applicationNo));
    return c?.itemCode;
  }

  /**
   * Sends one message in effect: the outbox row is keyed by the business key, and the same key
   * is the provider's out_id, so neither a retry here nor one at the provider sends twice.
   */
  async function notify(input: NotifyInput) {
    const now = clock();
    const to = await resolveRecipient(input.recipient);
    const body = renderMessage(input.template, input.params);
    const [row] = await db
      .insert(notifications)
      .values({
        businessKey: input.businessKey,
        recipientPhone: to.phone ?? '',
        recipientName: to.name,
        template: input.template,
        body,
        applicationNo: input.applicationNo,
        taskId: input.taskId ?? null,
        status: to.phone ? 'pending' : 'failed',
        error: to.phone ? null : 'no phone number on file for the recipient',
        createdAt: now,
      })
      // A retry gets the stored row (what was first rendered is what goes out).
      .onConflictDoUpdate({ target: notifications.businessKey, set: { businessKey: sql`excluded.business_key` } })
      .returning();
    if (row!.status === 'sent' || row!.status === 'delivered') {
      return { businessKey: input.businessKey, status: row!.status as 'sent' | 'delivered', resent: false };
    }
    if (row!.status === 'failed' && row!.recipientPhone) return { businessKey: input.businessKey, status: 'failed' as const, resent: false };
    if (!row!.recipientPhone) {
      // Not a reason to stop the case: the failure is on the record, and the outbox shows it.
      await recordStep(db, { key: `${input.businessKey}:failed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'notification-failed', summary: `SMS (${input.template}) to ${to.name} not sent: no phone number on file`, detail: { businessKey: input.businessKey } }, now);
      return { businessKey: input.businessKey, status: 'failed' as const, resent: false };
    }
    let receipt: Awaited<ReturnType<SmsAdapter['send']>>;
    try {
      receipt = await deps.sms.send({ outId: input.businessKey, phone: row!.recipientPhone, body: row!.body });
    } catch (err) {
      if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err; // transient: Temporal retries
      // Refused for good (a bad number, a blocked template): on the record, and the caller escalates.
      await db.transaction(async (tx) => {
        await tx.update(notifications).set({ status: 'failed', error: err.message }).where(eq(notifications.businessKey, input.businessKey));
        await recordStep(tx, { key: `${input.businessKey}:failed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'notification-failed', summary: `SMS (${input.template}) to ${to.name} ${to.phone} refused by the gateway: ${err.message}`, detail: { businessKey: input.businessKey } }, clock());
      });
      return { businessKey: input.businessKey, status: 'failed' as const, resent: false };
    }
    const sentAt = clock();
    await smsSent(
      db,
      { providerMessageId: receipt.providerMessageId, sentAt, businessKey: input.businessKey },
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
    return { businessKey: input.businessKey, status: 'sent' as const, resent: !receipt.duplicate };
  }

  /** The claim window passed unclaimed: marked overdue, escalation on the record. */
  async function markClaimOverdue(input: { taskId: string; applicationNo: string; claimDueAt: string; urgeAt?: string | null }) {
    const now = clock();
    await writeWithStep(
      db,
      db
        .update(tasks)
        .set({ claimOverdue: true, escalatedAt: sql`coalesce(${tasks.escalatedAt}, ${now.toISOString()}::timestamptz)`, ...(input.urgeAt && { urgeAt: new Date(input.urgeAt) }), updatedAt: now })
        .where(eq(tasks.taskId, input.taskId)),
      { key: `${input.taskId}:claim-overdue`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'claim-overdue', summary: `not claimed by ${formatShanghai(input.claimDueAt)}: overdue, escalated to the department head`, detail: { claimDueAt: input.claimDueAt } },
      now,
    );
  }

  /** The claim window (认领) of a task pushed at `at`, under the item's policy and calendar. */
  async function openClaimWindow(itemCode: string, at: Date): Promise<ClaimWindow> {
    const terms = await itemTerms(db, itemCode);
    const policy = snapshotOf(terms.policy);
    const due = computeDeadline(await deps.calendar.current(terms.calendarVersion), policy, at, policy.claimWindow, policy.claimRemindBefore);
    return { openedAt: at.toISOString(), ...due, policy };
  }

  /**
   * The re-inspection (复查) window after a calendar import: the same policy period from the
   * moment it opened (its `reinspection-due` event), as openReinspection computed it.
   */
  async function retimeReinspection(task: typeof tasks.$inferSelect, p: PolicySnapshot, importId: number, year: number | undefined) {
    const [opened] = await db
      .select({ at: auditEvents.at, detail: auditEvents.detail })
      .from(auditEvents)
      .where(and(eq(auditEvents.taskId, task.taskId), eq(auditEvents.kind, 'reinspection-due')))
      .orderBy(desc(auditEvents.id))
      .limit(1);
    if (!opened || !task.reinspectionDueAt) return { window: null };
    const round = (opened.detail as { round?: number } | null)?.round ?? task.rectificationRound;
    const due = computeDeadline(await deps.calendar.current(), p, opened.at, p.feedbackWindow, p.feedbackRemindBefore);
    const oldDue = task.reinspectionDueAt;
    const moved = oldDue.toISOString() !== due.dueAt;
    if (moved) {
      const now = clock();
      await writeWithStep(
        db,
        db.update(tasks).set({ reinspectionDueAt: new Date(due.dueAt), updatedAt: now }).where(eq(tasks.taskId, task.taskId)),
        {
          key: `${task.taskId}:retimed:reinspection:${round}:${importId}`,
          applicationNo: task.applicationNo,
          taskId: task.taskId,
          kind: 'deadline-moved',
          summary: `re-inspection deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(due.dueAt)}: ${calendarUpdated(year)}`,
          detail: { window: 'reinspection', round, from: oldDue.toISOString(), to: due.dueAt, provisional: due.provisional, importId },
        },
        now,
      );
    }
    return { window: 'reinspection' as const, dueAt: due.dueAt, remindAt: due.remindAt, provisional: due.provisional, moved, period: due.period };
  }

  return {
    ...createEffectActivities({ db, creditPlatform: deps.creditPlatform, elicence: deps.elicence, clock }),

    /** Registers the case in the read model with the catalog version it starts with. */
    async openCase(input: ApprovalCaseInput) {
      // The item and the linkages that route it now, in one statement.
      const [item] = await lookups(db).itemWithLinkages.execute({ code: input.itemCode });
      if (!item) {
        throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `approval item ${input.itemCode} not found`, nonRetryable: true });
      }
      const now = clock();
      // The case keeps the catalog version it starts with: its item version and the linkages
      // that route it then (DOMAIN.md §2). A later catalog change never alters it.
      const pinned = item.pinned;
      await caseOpened(
        db,
        {
          pinned,
          applicationNo: input.applicationNo,
          workflowId: workflowIdOrNull() ?? `case-${input.applicationNo}`,
          itemCode: item.code,
          itemVersion: item.version,
          department: item.departmentCode,
          region: item.regionCode,
          creditCode: input.applicant.creditCode,
          name: input.applicant.name,
          phone: input.applicant.phone,
          route: input.route,
          requestHash: input.requestHash,
          submittedBy: input.submittedBy.sub,
          now,
        },
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
      return {
        itemName: item.name,
        itemVersion: item.version,
        approvalDepartmentCode: item.departmentCode,
        regionCode: item.regionCode,
        statutoryDays: item.statutoryDays,
        commitmentAllowed: item.commitmentAllowed,
        commitmentScenarios: item.commitmentScenarios,
        commitmentMinimumGrade: item.commitmentMinimumGrade as 'A' | 'B' | 'C' | 'D',
      };
    },

    /** 审批事前信用查询: asks the credit platform and files the answer on the case. */
    async creditPreCheck(input: { applicationNo: string; creditCode: string }) {
      const standing = await deps.credit.query(input.creditCode);
      const now = clock();
      const result = { ...standing, checkedAt: now.toISOString() };
      await creditChecked(
        db,
        { result, now, applicationNo: input.applicationNo },
        {
          key: `${input.applicationNo}:credit-checked`,
          applicationNo: input.applicationNo,
          kind: 'credit-checked',
          summary: `credit pre-check: grade ${standing.grade}${standing.blacklisted ? ', on the dishonesty list' : ''}, ${standing.brokenCommitments} broken commitment(s)`,
          detail: result,
        },
        now,
      );
      return standing;
    },

    /** Files the route and opens the statutory decision window (the policy's limit, else the item's). */
    async recordRoute(input: { applicationNo: string; route: 'standard' | 'commitment'; reason: string; statutoryDays: number; itemCode?: string; scenario?: string; step?: string }) {
      const now = clock();
      const terms = input.itemCode ? await itemTerms(db, input.itemCode) : null;
      const policy = terms?.policy;
      const window = { amount: policy?.statutoryLimit ?? input.statutoryDays, unit: (policy?.unit ?? 'working-day') as 'working-day' | 'minute', officeTime: policy?.officeTime ?? '09:00' };
      const due = computeDeadline(await deps.calendar.current(terms?.calendarVersion), window, now, window.amount, 1);
      await routed(
        db,
        { route: input.route, reason: input.reason, scenario: input.route === 'commitment' ? (input.scenario ?? null) : null, dueAt: new Date(due.dueAt), provisional: due.provisional, window, now, applicationNo: input.applicationNo },
        {
          key: `${input.applicationNo}:${input.step ?? 'routed'}`,
          applicationNo: input.applicationNo,
          kind: 'routed',
          summary: `${input.route} route (${input.reason}); decision due ${formatShanghai(due.dueAt)}, ${due.period}${due.provisional ? ' (provisional)' : ''}`,
          detail: { route: input.route, reason: input.reason, decisionDueAt: due.dueAt, provisional: due.provisional },
        },
        now,
      );
      return { decisionDueAt: due.dueAt, provisional: due.provisional, remindAt: due.remindAt };
    },

    /** Records the decision; an approval issues the licence and stores the dossier for supervision. */
    async recordDecision(input: { applicationNo: string; outcome: 'approve' | 'reject'; opinion: string; actor: Actor; decidedAt: string; materials: string[]; commitmentText?: string; licenceStatus?: 'issued' | 'granted-on-commitment' }) {
      const now = clock();
      const decidedAt = new Date(input.decidedAt);
      const approved = input.outcome === 'approve';
      let dossierId: number | null = null;
      if (approved) {
        // The dossier first, keyed by the application: a retry gets the same row back (the
        // no-op update makes RETURNING answer on a conflict too).
        const [d] = await db
          .insert(dossiers)
          .values({ applicationNo: input.applicationNo, materials: input.materials, opinion: input.opinion, commitmentText: input.commitmentText ?? null })
          .onConflictDoUpdate({ target: dossiers.applicationNo, set: { applicationNo: sql`excluded.application_no` } })
          .returning({ id: dossiers.id });
        dossierId = d!.id;
      }
      await decided(
        db,
        {
          decision: input.outcome,
          opinion: input.opinion,
          decidedAt,
          stage: approved ? (input.licenceStatus === 'granted-on-commitment' ? 'awaiting-materials' : 'licensed') : 'rejected',
          licenceStatus: approved ? (input.licenceStatus ?? 'issued') : 'none',
          now,
          applicationNo: input.applicationNo,
        },
        {
          key: `${input.applicationNo}:decided`,
          applicationNo: input.applicationNo,
          kind: approved ? 'approved' : 'rejected',
          summary: approved ? `approved, ${input.licenceStatus === 'granted-on-commitment' ? 'licence granted on commitment (告知承诺)' : 'licence issued'}: ${input.opinion}` : `rejected: ${input.opinion}`,
          actor: input.actor,
          detail: { outcome: input.outcome, opinion: input.opinion, dossierId },
        },
        decidedAt,
      );
      return { dossierId };
    },

    /**
     * The linkages that route a case: those pinned when it started; with `latest` (an unrouted
     * case trying again) the item's confirmed linkages now, which the case then pins, on the record.
     */
    async resolveLinkages(input: { itemCode: string; applicationNo?: string; latest?: boolean }) {
      const [c] = input.applicationNo ? await lookups(db).pinnedLinkages.execute({ no: input.applicationNo }) : [];
      let links = c?.pinnedLinkages ?? null;
      if (!links || input.latest) {
        links = await confirmedLinkages(db, input.itemCode);
        if (c && input.latest && links.length > 0) {
          const [item] = await db.select({ version: approvalItems.version }).from(approvalItems).where(eq(approvalItems.code, input.itemCode));
          await db.transaction(async (tx) => {
            await tx.update(cases).set({ pinnedLinkages: links, itemVersion: item!.version, updatedAt: clock() }).where(eq(cases.applicationNo, c.applicationNo));
            await recordStep(tx, { key: `${c.applicationNo}:repinned:v${item!.version}`, applicationNo: c.applicationNo, kind: 'catalog-version', summary: `routed by catalog version ${item!.version} of ${input.itemCode}: ${links!.map((l) => l.departmentCode).join(', ')}`, detail: { itemVersion: item!.version, linkages: links } }, clock());
          });
        }
      }
      return links.map((l) => ({ departmentCode: l.departmentCode, divisionCode: l.divisionCode, supervisionItemCode: l.supervisionItemCode ?? undefined }));
    },

    /**
     * 无监管兜底: an approved case whose item has no confirmed linkage. The regional admin and the
     * coordinating office are told at once, and the case's trail shows it.
     */
    async raiseUnroutedAlert(input: { applicationNo: string; itemCode: string; regionCode: string }) {
      const now = clock();
      const message = `case ${input.applicationNo} was approved but item ${input.itemCode} has no confirmed supervision linkage: confirm one so the case gets a supervisor`;
      await db.transaction(async (tx) => {
        await tx.insert(alerts).values({ alertKey: `unrouted:${input.applicationNo}`, kind: 'unrouted', regionCode: input.regionCode, applicationNo: input.applicationNo, itemCode: input.itemCode, message, raisedAt: now }).onConflictDoNothing();
        await recordStep(tx, { key: `${input.applicationNo}:unrouted-alert`, applicationNo: input.applicationNo, kind: 'unrouted-alert', summary: `unrouted: alert raised to the regional admin and the coordinating office of ${input.regionCode}`, detail: { itemCode: input.itemCode } }, now);
      });
      return { message };
    },

    async resolveUnroutedAlert(input: { applicationNo: string; departments: string[] }) {
      const now = clock();
      const resolution = `routed to ${input.departments.join(', ')}`;
      await db.transaction(async (tx) => {
        await tx.update(alerts).set({ resolvedAt: now, resolution }).where(eq(alerts.alertKey, `unrouted:${input.applicationNo}`));
        await recordStep(tx, { key: `${input.applicationNo}:unrouted-resolved`, applicationNo: input.applicationNo, kind: 'unrouted-resolved', summary: `unrouted alert resolved: ${resolution}` }, now);
      });
    },

    /** 材料延期: the commitment period runs from the decision; the applicant is reminded the working day before. */
    async openCommitment(input: { applicationNo: string; itemCode: string; from: string; deadline?: string; step?: string; actor?: Actor; reason?: string }) {
      const now = clock();
      const { policy, period, calendarVersion } = await commitmentRule(input.itemCode);
      const calendar = await deps.calendar.current(calendarVersion);
      const due = input.deadline
        ? { dueAt: new Date(input.deadline).toISOString(), provisional: false, remindAt: computeDeadline(calendar, policy as never, new Date(input.deadline), 1, 0) && null, period: 'extended' }
        : computeDeadline(calendar, { unit: policy.unit as 'working-day' | 'minute', officeTime: policy.officeTime }, new Date(input.from), period, 1);
      let remindAt = due.remindAt;
      if (input.deadline) {
        // An extension: remind on the working day before its last day, at office hours.
        const d = new Date(input.deadline);
        remindAt = policy.unit === 'minute' ? new Date(d.getTime() - 60_000).toISOString() : calendar.reminderBefore(new Date(d.getTime() - 1).toISOString().slice(0, 10), policy.officeTime).toISOString();
        if (Date.parse(remindAt) <= now.getTime()) remindAt = null;
      }
      await db.transaction(async (tx) => {
        await tx.update(cases).set({ commitmentDueAt: new Date(due.dueAt), stage: 'awaiting-materials', updatedAt: now }).where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(
          tx,
          {
            key: `${input.applicationNo}:${input.step ?? 'commitment-opened'}`,
            applicationNo: input.applicationNo,
            kind: input.deadline ? 'commitment-extended' : 'commitment-opened',
            summary: input.deadline ? `commitment deadline extended to ${formatShanghai(due.dueAt)}: ${input.reason ?? ''}` : `deferred materials due ${formatShanghai(due.dueAt)} (${due.period})`,
            actor: input.actor,
            detail: { dueAt: due.dueAt, remindAt },
          },
          now,
        );
      });
      return { dueAt: due.dueAt, remindAt, period: due.period };
    },

    /** The deferred materials arrived: the commitment is kept and the licence issued in full. */
    async recordMaterials(input: { applicationNo: string; materials: string[]; actor: Actor; at: string; onTime: boolean }) {
      const at = new Date(input.at);
      await db.transaction(async (tx) => {
        await tx.update(cases).set({ licenceStatus: 'issued', commitmentOutcome: 'kept', stage: 'licensed', updatedAt: clock() }).where(eq(cases.applicationNo, input.applicationNo));
        await tx.update(dossiers).set({ materials: sql`${dossiers.materials} || ${JSON.stringify(input.materials)}::jsonb` }).where(eq(dossiers.applicationNo, input.applicationNo));
        await recordStep(tx, { key: `${input.applicationNo}:materials-received`, applicationNo: input.applicationNo, kind: 'materials-received', summary: `deferred materials received${input.onTime ? '' : ' (late)'}: ${input.materials.join('、')}; licence issued`, actor: input.actor, detail: { materials: input.materials } }, at);
      });
    },

    /**
     * A revocation waits for the approval department: requested by supervision, or allowed by
     * an overdue commitment. Its own window, with a reminder, so it cannot stall either.
     */
    async openRevocation(input: { applicationNo: string; itemCode: string; reason: string; step: string; commitmentBroken?: boolean }) {
      const now = clock();
      const terms = await itemTerms(db, input.itemCode);
      const policy = snapshotOf(terms.policy);
      const due = computeDeadline(await deps.calendar.current(terms.calendarVersion), policy, now, policy.feedbackWindow, policy.feedbackRemindBefore);
      await db.transaction(async (tx) => {
        await tx
          .update(cases)
          .set({ stage: 'revocation-pending', revocationReason: input.reason, updatedAt: now, ...(input.commitmentBroken && { commitmentOutcome: 'broken' }) })
          .where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(tx, { key: `${input.applicationNo}:${input.step}`, applicationNo: input.applicationNo, kind: 'revocation-pending', summary: `revocation pending: ${input.reason}; the approval department decides by ${formatShanghai(due.dueAt)}`, detail: { reason: input.reason, dueAt: due.dueAt } }, now);
      });
      return { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
    },

    /** 撤销许可: executed by the approval department, through the case. */
    async revokeLicence(input: { applicationNo: string; actor: Actor; reason: string; at: string }) {
      const at = new Date(input.at);
      await db.transaction(async (tx) => {
        await tx.update(cases).set({ licenceStatus: 'revoked', stage: 'revoked', revocationReason: input.reason, updatedAt: clock() }).where(eq(cases.applicationNo, input.applicationNo));
        await recordStep(tx, { key: `${input.applicationNo}:revoked`, applicationNo: input.applicationNo, kind: 'licence-revoked', summary: `licence revoked by ${input.actor.sub}: ${input.reason}`, actor: input.actor, detail: { reason: input.reason } }, at);
      });
    },

    /** 双向推送: a supervision result arrives back at the approval side, and the receipt is on the record. */
    async recordResultReceipt(input: { applicationNo: string; taskId: string; departmentCode: string; outcome: string; result: string }) {
      const now = clock();
      await recordStep(db, { key: `${input.applicationNo}:result-received:${input.taskId}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'result-received', summary: `result from ${input.departmentCode} received by the approval side: ${input.outcome} (${input.result})`, detail: { outcome: input.outcome, result: input.result } }, now);
    },

    /**
     * Moves the case to a stage and records why, once per step key. With `claimWindowOf` (an
     * item code; the push, 推送) it also opens the claim window of the tasks being pushed, under
     * the item's policy from this instant, and answers it: each task starts with its deadline.
     */
    async recordCaseStage(input: { applicationNo: string; step: string; stage: string; kind: string; summary: string; detail?: Record<string, unknown>; close?: boolean; claimWindowOf?: string }): Promise<{ claimWindow?: ClaimWindow }> {
      const now = clock();
      const claimWindow = input.claimWindowOf ? await openClaimWindow(input.claimWindowOf, now) : undefined;
      const step = { key: `${input.applicationNo}:${input.step}`, applicationNo: input.applicationNo, kind: input.kind, summary: input.summary, detail: input.detail };
      if (input.close) await caseClosed(db, { stage: input.stage, now, reason: input.summary, applicationNo: input.applicationNo }, step, now);
      else await caseStage(db, { stage: input.stage, now, applicationNo: input.applicationNo }, step, now);
      return claimWindow ? { claimWindow } : {};
    },

    async recordPush(input: { applicationNo: string; itemCode: string; summary: string; taskIds: string[] }): Promise<{ claimWindow: ClaimWindow }> {
      const now = clock();
      const claimWindow = await openClaimWindow(input.itemCode, now);
      await caseStage(db, { stage: 'supervising', now, applicationNo: input.applicationNo }, { key: `${input.applicationNo}:supervising`, applicationNo: input.applicationNo, kind: 'pushed', summary: input.summary, detail: { taskIds: input.taskIds } }, now);
      return { claimWindow };
    },

    /** Creates the supervision task (推送) and opens its claim window under the item's policy. */
    async openTask(input: SupervisionTaskInput) {
      // The window the push opened; tasks pushed before the push opened it open their own here.
      const { openedAt, policy, period, ...due } = input.claimWindow ?? (await openClaimWindow(input.itemCode, clock()));
      const now = new Date(openedAt);
      // One statement: the row and its step. The stored row either way (the no-op update makes
      // RETURNING answer on a conflict): a retry after a commit must answer with the deadline
      // that was stored, not a new one — and its step, written with the row, is already there.
      const inserted = db.$with('inserted').as(
        db
          .insert(tasks)
          .values({
            taskId: input.taskId,
            applicationNo: input.applicationNo,
            departmentCode: input.departmentCode,
            divisionCode: input.divisionCode,
            supervisionItemCode: input.supervisionItemCode ?? null,
            applicantCreditCode: input.creditCode,
            status: 'awaiting-claim',
            policy,
            pushedAt: now,
            claimDueAt: new Date(due.dueAt),
            claimDueProvisional: due.provisional,
            claimRemindAt: due.remindAt ? new Date(due.remindAt) : null,
          })
          .onConflictDoUpdate({ target: tasks.taskId, set: { taskId: sql`excluded.task_id` } })
          .returning({ claimDueAt: tasks.claimDueAt, claimDueProvisional: tasks.claimDueProvisional, claimRemindAt: tasks.claimRemindAt, policy: tasks.policy }),
      );
      const pushed = db.$with('pushed').as(
        stepInsert(
          db,
          {
            key: `${input.taskId}:pushed`,
            applicationNo: input.applicationNo,
            taskId: input.taskId,
            kind: 'task-pushed',
            summary: `dossier pushed to ${input.departmentCode} / ${input.divisionCode}; claim due ${formatShanghai(due.dueAt)} (${period}${due.provisional ? ', provisional' : ''})`,
            detail: { dossierId: input.dossierId, claimDueAt: due.dueAt, provisional: due.provisional, policy: policy.code },
          },
          now,
        ),
      );
      const [row] = await db.with(inserted, pushed).select().from(inserted);
      return {
        claimDueAt: row!.claimDueAt.toISOString(),
        provisional: row!.claimDueProvisional,
        remindAt: row!.claimRemindAt?.toISOString() ?? null,
        period,
        workingDays: policy.claimWindow,
        escalateTo: (row!.policy ?? policy).claimEscalateTo,
        // The task's update handlers record through local activities (workflows/acts.ts
        // `record`). A push recorded before this answered nothing: that task keeps activities.
        recordsLocally: true as const,
      };
    },

    notify,

    /** 认领: the division took the task on; claim time feeds the timeliness statistics. */
    async recordClaim(input: { taskId: string; applicationNo: string; actor: Actor; claimedAt: string; onTime: boolean }) {
      const claimedAt = new Date(input.claimedAt);
      await claimed(
        db,
        { claimedAt, claimedBy: input.actor.sub, now: clock(), taskId: input.taskId },
        { key: `${input.taskId}:claimed`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'task-claimed', summary: `claimed by ${input.actor.sub}${input.onTime ? '' : ' (after the claim deadline)'}`, actor: input.actor, detail: { onTime: input.onTime } },
        claimedAt,
      );
    },

    markClaimOverdue,

    /**
     * The claim deadline's whole escalation in one activity: the overdue mark, then each notice
     * (every part keyed, so a retry repeats nothing). One activity task per missed deadline, as
     * few as a bare timer needs — every deadline of a day falls at 24:00 (docs/benchmarks.md).
     */
    async escalateClaim(input: { taskId: string; applicationNo: string; claimDueAt: string; notices: NotifyInput[] }) {
      // When to urge (催办) the division if it still has not claimed: the workflow waits for it,
      // and the read model keeps it so a calendar import can find the task and move it.
      const [task] = await lookups(db).taskPolicy.execute({ id: input.taskId });
      const urgeAt = task?.policy ? urgeAfter(await deps.calendar.current(task.calendarVersion), task.policy, new Date(input.claimDueAt)) : null;
      await markClaimOverdue({ ...input, urgeAt });
      const sent = [];
      for (const n of input.notices) sent.push(await notify(n));
      // `retimable`: the workflow's wait for the urging also wakes on a calendar import. Results
      // recorded before it existed lack the field, so those histories replay as they ran.
      return { notices: sent, urgeAt, retimable: true as const };
    },

    /**
     * 催办 after a calendar import: the urging time again from the claim deadline, under the
     * calendar as it is now (the next working day's office hour). When it moved, the read model
     * and the trail say so, once per import. Nothing moves once the task is claimed.
     */
    async retimeUrging(input: { taskId: string; importId: number; urgeAt: string }) {
      const [task] = await db
        .select({ applicationNo: tasks.applicationNo, status: tasks.status, policy: tasks.policy, claimDueAt: tasks.claimDueAt })
        .from(tasks)
        .where(eq(tasks.taskId, input.taskId));
      if (!task?.policy || task.status !== 'awaiting-claim') return { urgeAt: input.urgeAt, moved: false };
      const urgeAt = urgeAfter(await deps.calendar.current(), task.policy, task.claimDueAt);
      if (urgeAt === input.urgeAt) return { urgeAt, moved: false };
      const [imp] = await db.select({ year: calendarImports.year }).from(calendarImports).where(eq(calendarImports.id, input.importId));
      const now = clock();
      await writeWithStep(
        db,
        db.update(tasks).set({ urgeAt: new Date(urgeAt), updatedAt: now }).where(eq(tasks.taskId, input.taskId)),
        {
          key: `${input.taskId}:retimed:urging:${input.importId}`,
          applicationNo: task.applicationNo,
          taskId: input.taskId,
          kind: 'deadline-moved',
          summary: `urging (催办) moved from ${formatShanghai(input.urgeAt)} to ${formatShanghai(urgeAt)}: ${calendarUpdated(imp?.year)}`,
          detail: { window: 'urging', from: input.urgeAt, to: urgeAt, importId: input.importId },
        },
        now,
      );
      return { urgeAt, moved: true };
    },

    /** Supervision finished: opens the feedback window (5 working days after `finishedAt`). */
    async recordInspection(input: { taskId: string; applicationNo: string; actor: Actor; finishedAt: string; findings: string }) {
      const now = clock();
      const finishedAt = new Date(input.finishedAt);
      const [task] = await lookups(db).taskPolicy.execute({ id: input.taskId });
      const policy = task?.policy ?? snapshotOf(await policyForItem(db, (await itemOfCase(input.applicationNo))!));
      const due = computeDeadline(await deps.calendar.current(task?.calendarVersion), policy, finishedAt, policy.feedbackWindow, policy.feedbackRemindBefore);
      await inspected(
        db,
        { finishedAt, findings: input.findings, dueAt: new Date(due.dueAt), provisional: due.provisional, remindAt: due.remindAt ? new Date(due.remindAt) : null, now, taskId: input.taskId },
        { key: `${input.taskId}:inspected`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'inspection-finished', summary: `supervision finished ${formatShanghai(finishedAt)}; feedback due ${formatShanghai(due.dueAt)} (${due.period}${due.provisional ? ', provisional' : ''})`, actor: input.actor, detail: { findings: input.findings, feedbackDueAt: due.dueAt, provisional: due.provisional } },
        now,
      );
      return { feedbackDueAt: due.dueAt, provisional: due.provisional, remindAt: due.remindAt, period: due.period, workingDays: policy.feedbackWindow };
    },

    /**
     * Re-computes a task's open deadline after a calendar import, from the same start and
     * policy; when it moved (or became final) the row and the trail say so.
     */
    async retimeTask(input: { taskId: string; importId: number; window: 'claim' | 'feedback' | 'reinspection'; dueAt: string; remindAt: string | null }) {
      const unchanged = { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
      const [task] = await db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
      const [imp] = await db.select().from(calendarImports).where(eq(calendarImports.id, input.importId));
      if (!task || !task.policy) return unchanged;
      const windowOf = { 'awaiting-claim': 'claim', 'awaiting-feedback': 'feedback', 'awaiting-reinspection': 'reinspection' } as Record<string, string>;
      if (windowOf[task.status] !== input.window) return unchanged;
      if (task.status === 'awaiting-reinspection') {
        const r = await retimeReinspection(task, task.policy, input.importId, imp?.year);
        return r.window ? { dueAt: r.dueAt!, remindAt: r.remindAt ?? null, moved: r.moved! } : unchanged;
      }
      const calendar = await deps.calendar.current();
      const claim = task.status === 'awaiting-claim';
      const from = claim ? task.pushedAt : task.inspectionFinishedAt!;
      const p = task.policy;
      const due = computeDeadline(calendar, p, from, claim ? p.claimWindow : p.feedbackWindow, claim ? p.claimRemindBefore : p.feedbackRemindBefore);
      const oldDue = claim ? task.claimDueAt : task.feedbackDueAt!;
      const oldProvisional = claim ? task.claimDueProvisional : task.feedbackDueProvisional;
      const moved = oldDue.toISOString() !== due.dueAt;
      if (moved || oldProvisional !== due.provisional) {
        const now = clock();
        const name = claim ? 'claim' : 'feedback';
        await db.transaction(async (tx) => {
          await tx
            .update(tasks)
            .set(
              claim
                ? { claimDueAt: new Date(due.dueAt), claimDueProvisional: due.provisional, claimRemindAt: due.remindAt ? new Date(due.remindAt) : null, updatedAt: now }
                : { feedbackDueAt: new Date(due.dueAt), feedbackDueProvisional: due.provisional, feedbackRemindAt: due.remindAt ? new Date(due.remindAt) : null, updatedAt: now },
            )
            .where(eq(tasks.taskId, input.taskId));
          const because = calendarUpdated(imp?.year);
          await recordStep(
            tx,
            {
              key: `${input.taskId}:retimed:${name}:${input.importId}`,
              applicationNo: task.applicationNo,
              taskId: input.taskId,
              kind: 'deadline-moved',
              summary: moved
                ? `${name} deadline moved from ${formatShanghai(oldDue)} to ${formatShanghai(due.dueAt)}: ${because}`
                : `${name} deadline ${formatShanghai(due.dueAt)} is now final: ${because}`,
              detail: { window: name, from: oldDue.toISOString(), to: due.dueAt, provisional: due.provisional, importId: input.importId },
            },
            now,
          );
        });
      }
      return { dueAt: due.dueAt, remindAt: due.remindAt, moved };
    },

    /**
     * Re-computes the deadline of the window a case waits in after a calendar import, from the
     * same start and rule as when it opened: the decision window from routing, the commitment
     * period from the decision (an extended deadline is a fixed date and stays), the revocation
     * decision from the moment it became pending. `dueAt` is the workflow's current deadline;
     * when it moved, the read model and the trail say so (once per import).
     */
    async retimeCaseWindow(input: { applicationNo: string; window: 'decision' | 'commitment' | 'revocation'; importId: number; dueAt: string; remindAt: string | null }) {
      const unchanged = { dueAt: input.dueAt, remindAt: input.remindAt, moved: false };
      const [c] = await db.select().from(cases).where(eq(cases.applicationNo, input.applicationNo));
      if (!c) return unchanged;
      const opening = async (kinds: string[]) =>
        (await db.select({ at: auditEvents.at, kind: auditEvents.kind }).from(auditEvents).where(and(eq(auditEvents.applicationNo, input.applicationNo), inArray(auditEvents.kind, kinds))).orderBy(desc(auditEvents.id)).limit(1))[0];
      const calendar = await deps.calendar.current();
      let due: ReturnType<typeof computeDeadline> | null = null;
      if (input.window === 'decision') {
        const routed = await opening(['routed']);
        if (routed && c.decisionWindow) due = computeDeadline(calendar, c.decisionWindow, routed.at, c.decisionWindow.amount, 1);
      } else if (input.window === 'commitment') {
        const opened = await opening(['commitment-opened', 'commitment-extended']);
        if (opened?.kind === 'commitment-opened' && c.decidedAt) {
          const { policy, period } = await commitmentRule(c.itemCode);
          due = computeDeadline(calendar, { unit: policy.unit as 'working-day' | 'minute', officeTime: policy.officeTime }, c.decidedAt, period, 1);
        }
      } else {
        const opened = await opening(['revocation-pending']);
        if (opened) {
          const policy = snapshotOf(await policyForItem(db, c.itemCode));
          due = computeDeadline(calendar, policy, opened.at, policy.feedbackWindow, policy.feedbackRemindBefore);
        }
      }
      if (!due) return unchanged;
      const moved = due.dueAt !== input.dueAt;
      if (moved) {
        const [imp] = await db.select({ year: calendarImports.year }).from(calendarImports).where(eq(calendarImports.id, input.importId));
        const now = clock();
        const name = input.window === 'revocation' ? 'revocation decision' : input.window;
        const readModel =
          input.window === 'decision'
            ? { decisionDueAt: new Date(due.dueAt), decisionDueProvisional: due.provisional }
            : input.window === 'commitment'
              ? { commitmentDueAt: new Date(due.dueAt) }
              : {};
        await writeWithStep(
          db,
          db.update(cases).set({ ...readModel, updatedAt: now }).where(eq(cases.applicationNo, input.applicationNo)),
          {
            // The same key as the read-model re-timing of retimeAfterCalendarImport: one step per import.
            key: `${input.applicationNo}:retimed:${input.window}:${input.importId}`,
            applicationNo: input.applicationNo,
            kind: 'deadline-moved',
            summary: `${name} deadline moved from ${formatShanghai(input.dueAt)} to ${formatShanghai(due.dueAt)}: ${calendarUpdated(imp?.year)}`,
            detail: { window: input.window, from: input.dueAt, to: due.dueAt, provisional: due.provisional, importId: input.importId },
          },
          now,
        );
      }
      return { dueAt: due.dueAt, remindAt: due.remindAt, moved };
    },

    /**
     * After a calendar import: re-times the decision deadline of every case awaiting a decision
     * (a read-model deadline) and signals every open task whose deadline the change can touch.
     * Resumable: progress is heartbeated, and a repeated signal only re-computes the same value.
     */
    async retimeAfterCalendarImport(input: { importId: number }) {
      const [imp] = await db.select().from(calendarImports).where(eq(calendarImports.id, input.importId));
      if (!imp) return { tasksSignalled: 0, casesRetimed: 0, casesSignalled: 0 };
      const earliest = imp.changedDates.length > 0 ? [...imp.changedDates].sort()[0]! : null;
      // A deadline on or after the first changed day, or any provisional one, may move.
      const since = earliest ? new Date(`${earliest}T00:00:00+08:00`) : new Date('9999-01-01T00:00:00Z');
      const calendar = await deps.calendar.current();
      let casesRetimed = 0;
      const openCases = await db
        .select()
        .from(cases)
        .where(and(eq(cases.stage, 'awaiting-decision'), or(gte(cases.decisionDueAt, since), eq(cases.decisionDueProvisional, true))));
      for (const c of openCases) {
        if (!c.decisionWindow || !c.decisionDueAt) continue;
        const started = await db.select({ at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, `${c.applicationNo}:routed`));
        if (!started[0]) continue;
        const due = computeDeadline(calendar, c.decisionWindow, started[0].at, c.decisionWindow.amount, 0);
        if (due.dueAt === c.decisionDueAt.toISOString() && due.provisional === c.decisionDueProvisional) continue;
        await db.transaction(async (tx) => {
          await tx.update(cases).set({ decisionDueAt: new Date(due.dueAt), decisionDueProvisional: due.provisional }).where(eq(cases.applicationNo, c.applicationNo));
          await recordStep(
            tx,
            {
              key: `${c.applicationNo}:retimed:decision:${input.importId}`,
              applicationNo: c.applicationNo,
              kind: 'deadline-moved',
              summary: due.dueAt !== c.decisionDueAt!.toISOString() ? `decision deadline moved from ${formatShanghai(c.decisionDueAt!)} to ${formatShanghai(due.dueAt)}: calendar ${imp.year} updated` : `decision deadline ${formatShanghai(due.dueAt)} is now final: calendar ${imp.year} updated`,
              detail: { window: 'decision', from: c.decisionDueAt!.toISOString(), to: due.dueAt, provisional: due.provisional, importId: input.importId },
            },
            clock(),
          );
        });
        casesRetimed++;
      }
      // Cases waiting in a window the case workflow times (decision, commitment, revocation):
      // few at any time, and a repeated signal only re-computes the same deadline.
      const waiting = await db
        .select({ workflowId: cases.workflowId })
        .from(cases)
        .where(
          or(
            and(eq(cases.stage, 'awaiting-decision'), or(gte(cases.decisionDueAt, since), eq(cases.decisionDueProvisional, true))),
            and(eq(cases.stage, 'awaiting-materials'), gte(cases.commitmentDueAt, since)),
            eq(cases.stage, 'revocation-pending'), // its deadline is on the trail, not in a column
          ),
        );
      let casesSignalled = 0;
      for (const c of waiting) {
        await signalCalendarChanged(c.workflowId, input.importId, imp.year);
        casesSignalled++;
      }
      const ctx = activityContextOrNull();
      let after = (ctx?.info.heartbeatDetails as string | undefined) ?? '';
      let tasksSignalled = 0;
      for (;;) {
        const page = await db
          .select({ taskId: tasks.taskId })
          .from(tasks)
          .where(
            and(
              gt(tasks.taskId, after),
              inArray(tasks.status, ['awaiting-claim', 'awaiting-feedback', 'awaiting-reinspection']),
              // urgeAt: an escalated task still waiting for its urging notice (催办).
              or(gte(tasks.claimDueAt, since), gte(tasks.feedbackDueAt, since), gte(tasks.reinspectionDueAt, since), gte(tasks.urgeAt, since), eq(tasks.claimDueProvisional, true), eq(tasks.feedbackDueProvisional, true)),
            ),
          )
          .orderBy(asc(tasks.taskId))
          .limit(200);
        if (page.length === 0) break;
        for (const t of page) {
          await signalCalendarChanged(t.taskId, input.importId, imp.year);
          tasksSignalled++;
        }
        after = page[page.length - 1]!.taskId;
        ctx?.heartbeat(after);
      }
      await db.update(calendarImports).set({ retimedAt: clock() }).where(eq(calendarImports.id, input.importId));
      return { tasksSignalled, casesRetimed, casesSignalled };
    },

    /**
     * 整改: a rectification order after a non-compliant result or an untrue commitment. The
     * deadline is the order's, else the policy's rectification period; the applicant is told.
     */
    async orderRectification(input: { taskId: string; applicationNo: string; actor: Actor; cause: 'rectification' | 'commitment-untrue'; round: number; deadline?: string; note: string }) {
      const now = clock();
      const [task] = await db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
      const period = task?.policy?.rectificationPeriod ?? 22;
      const due = input.deadline
        ? { dueAt: new Date(input.deadline).toISOString(), provisional: false, period: 'as ordered' }
        : computeDeadline(await deps.calendar.current(), task?.policy ?? { unit: 'working-day', officeTime: '09:00' }, now, period, 0);
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ status: 'rectifying', rectificationRound: input.round, rectificationDueAt: new Date(due.dueAt), reinspectionDueAt: null, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          {
            key: `${input.taskId}:rectification:${input.round}`,
            applicationNo: input.applicationNo,
            taskId: input.taskId,
            kind: 'rectification-ordered',
            summary: `${input.cause === 'commitment-untrue' ? 'commitment found untrue: ' : ''}rectification order (round ${input.round}), due ${formatShanghai(due.dueAt)} (${due.period})${input.note ? ` — ${input.note}` : ''}`,
            actor: input.actor,
            detail: { cause: input.cause, round: input.round, dueAt: due.dueAt },
          },
          now,
        );
      });
      return { dueAt: due.dueAt };
    },

    /** The rectification deadline passed: a re-inspection (复查) is due within the feedback window. */
    async openReinspection(input: { taskId: string; applicationNo: string; round: number }) {
      const now = clock();
      const [task] = await db.select().from(tasks).where(eq(tasks.taskId, input.taskId));
      const p = task?.policy;
      const due = computeDeadline(await deps.calendar.current(), p ?? { unit: 'working-day', officeTime: '09:00' }, now, p?.feedbackWindow ?? 5, p?.feedbackRemindBefore ?? 1);
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ status: 'awaiting-reinspection', reinspectionDueAt: new Date(due.dueAt), updatedAt: now }).where(eq(tasks.taskId, input.taskId));
        await recordStep(tx, { key: `${input.taskId}:reinspection-due:${input.round}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'reinspection-due', summary: `rectification deadline passed: re-inspection due ${formatShanghai(due.dueAt)} (${due.period})`, detail: { round: input.round, dueAt: due.dueAt } }, now);
      });
      return { dueAt: due.dueAt, remindAt: due.remindAt, period: due.period };
    },

    async recordReinspection(input: { taskId: string; applicationNo: string; actor: Actor; round: number; rectified: boolean; note: string; at: string; outcome?: 'rectified' | 'revocation-requested' }) {
      const at = new Date(input.at);
      await db.transaction(async (tx) => {
        await tx
          .update(tasks)
          .set({ updatedAt: clock(), ...(input.outcome && { status: 'closed', closedAt: at, outcome: input.outcome, result: input.rectified ? 'compliant' : tasks.result }) })
          .where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          {
            key: `${input.taskId}:reinspected:${input.round}`,
            applicationNo: input.applicationNo,
            taskId: input.taskId,
            kind: 'reinspection',
            summary: `re-inspection (round ${input.round}): ${input.rectified ? 'rectified' : 'not rectified'}${input.outcome === 'revocation-requested' ? '; revocation requested from the approval department' : ''}${input.note ? ` — ${input.note}` : ''}`,
            actor: input.actor,
            detail: { round: input.round, rectified: input.rectified, outcome: input.outcome ?? null },
          },
          at,
        );
      });
    },

    async markFeedbackOverdue(input: { taskId: string; applicationNo: string; feedbackDueAt: string; step?: string }) {
      const now = clock();
      await db.transaction(async (tx) => {
        await tx.update(tasks).set({ feedbackOverdue: true, updatedAt: now }).where(eq(tasks.taskId, input.taskId));
        await recordStep(
          tx,
          { key: `${input.taskId}:${input.step ?? 'feedback-overdue'}`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback-overdue', summary: `no ${input.step ? 're-inspection' : 'feedback'} by ${formatShanghai(input.feedbackDueAt)}: overdue`, detail: { dueAt: input.feedbackDueAt } },
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
      const step = { key: `${input.taskId}:feedback`, applicationNo: input.applicationNo, taskId: input.taskId, kind: 'feedback', summary: `supervision result: ${input.result}${input.onTime ? '' : ' (after the feedback deadline)'}${input.note ? ` — ${input.note}` : ''}`, actor: input.actor, detail: { result: input.result, note: input.note, onTime: input.onTime } };
      const values = { at, result: input.result, note: input.note, now: clock(), taskId: input.taskId };
      if (input.closes) await fedBackClosed(db, { ...values, outcome: input.result === 'unreachable' ? 'unreachable' : 'compliant' }, step, at);
      else await fedBack(db, values, step, at);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

// Used by readiness checks and tests: the count of effects by business key.
export async function countNotifications(db: Db, businessKey: string): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from notifications where business_key = ${businessKey}`);
  return rows[0]?.n ?? 0;
}
