// supervisionTask: one per (case, supervising department), id task-<applicationNo>-<dept>.
// SMS to the division admin → claim window (3 working days) → supervision → feedback window
// (5 working days after finishing) → result back to the case.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { record, run } from './acts.js';
import {
  FailureType,
  calendarChangedSignal,
  claimUpdate,
  notificationFailedSignal,
  feedbackUpdate,
  inspectionUpdate,
  reinspectionUpdate,
  taskStateQuery,
  type Actor,
  type FeedbackResult,
  type SupervisionTaskInput,
  type SupervisionTaskResult,
  type TaskOutcome,
  type TaskState,
  type TaskStatus,
} from './contracts.js';
import { formatShanghai } from './domain/format.js';

/** A rectification order runs for at most a year. */
const MAX_ORDER_MS = 366 * 86_400_000;

/** Patch id of the reminder ladder and calendar re-timing (both windows). */
export const DEADLINE_LADDER_PATCH = 'deadline-ladder-and-retiming';

interface WindowSpec {
  name: 'claim' | 'feedback' | 'reinspection';
  isOpen: () => boolean;
  due: () => string;
  remindAt: () => string | null;
  retimed: (r: { dueAt: string; remindAt: string | null }) => void;
  period: string;
  remind: () => Promise<unknown>;
}

/** Clock skew and rounding we tolerate on a caller's "finished at" (future, or before the claim). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export async function supervisionTask(input: SupervisionTaskInput): Promise<SupervisionTaskResult> {
  const { taskId, applicationNo } = input;
  let status: TaskStatus = 'awaiting-claim';
  // Whether the update handlers record through local activities: the push (openTask) says so,
  // or the earlier run for a later rectification round. Set before any handler records: the
  // claim handler waits for the claim deadline, which comes with the same answer.
  let recordsLocally = input.resume?.recordsLocally === true;
  let claimDueAt = '';
  let claimOverdue = false;
  let claimedAt: string | undefined;
  let feedbackDueAt: string | undefined;
  let feedbackOverdue = false;
  let result: FeedbackResult | undefined;
  let feedbackRemindAt: string | null = null;
  let feedbackPeriod = '';
  const pendingRetimes: number[] = [];
  // 整改 and 复查: rounds of rectification, each ending in a re-inspection.
  let round = input.resume?.round ?? 0;
  let cause: 'rectification' | 'commitment-untrue' = input.resume?.cause ?? 'rectification';
  let rectificationDueAt: string | undefined = input.resume?.rectificationDueAt;
  let reinspectionDueAt = '';
  let outcome: TaskOutcome | undefined;
  let outcomeReason: string | undefined;

  const state = (): TaskState => ({ taskId, status, claimDueAt, claimOverdue, claimedAt, feedbackDueAt, feedbackOverdue, result, rectificationDueAt, reinspectionDueAt: reinspectionDueAt || undefined, round, outcome });
  const moveTo = (next: TaskStatus, details: string, dueAt?: string, upsert = true) => {
    status = next;
    // Generation 2: only where the task rests — a stage with its deadline
    // known, or claimed (waiting for the inspection) — not the moment before an activity
    // returns the deadline, nor the end (the closed workflow says it).
    if (upsert && (input.generation !== 2 || dueAt !== undefined || next === 'claimed')) upsertSearchAttributes({ SgStage: [next], ...(dueAt && { SgDueAt: [new Date(dueAt)] }) });
    setCurrentDetails(`**${next}** — ${details}`);
  };
  const ownDivision = (actor: Actor) => {
    if (actor.department !== input.departmentCode || actor.division !== input.divisionCode) {
      refuse(FailureType.Forbidden, `task ${taskId} belongs to division ${input.divisionCode} of ${input.departmentCode}`);
    }
  };


  /** The claim window as first released (no reminder, no re-timing); kept for old histories. */
  async function claimWindowV1(workingDays: number, provisional: boolean) {
    const claimSummary = `claim deadline ${formatShanghai(claimDueAt)}, ${workingDays} working days${provisional ? ' (provisional)' : ''}`;
    const claimedInTime = await condition(() => status !== 'awaiting-claim', Math.max(0, Date.parse(claimDueAt) - Date.now()), { summary: claimSummary });
    if (!claimedInTime) {
      claimOverdue = true;
      setCurrentDetails(`**awaiting-claim (overdue)** — claim deadline ${formatShanghai(claimDueAt)} passed; escalated`);
      await run('markClaimOverdue', 'claim deadline passed: mark overdue', { taskId, applicationNo, claimDueAt });
      await run('notify', `escalate to the head of ${input.departmentCode}`, {
        businessKey: `${taskId}:claim-escalation`,
        recipient: { kind: 'department-head', departmentCode: input.departmentCode },
        template: 'claim-escalation',
        params: { division: input.divisionCode, applicant: input.applicantName, taskId, claimDue: formatShanghai(claimDueAt) },
        applicationNo,
        taskId,
      });
      await condition(() => status !== 'awaiting-claim');
    }
  }

  /** The feedback window as first released; kept for old histories. */
  async function feedbackWindowV1() {
    const inTime = await condition(() => status === 'closed', Math.max(0, Date.parse(feedbackDueAt!) - Date.now()), {
      summary: `feedback deadline ${formatShanghai(feedbackDueAt!)}, 5 working days after supervision finished`,
    });
    if (!inTime) {
      feedbackOverdue = true;
      await run('markFeedbackOverdue', 'feedback deadline passed: mark overdue', { taskId, applicationNo, feedbackDueAt: feedbackDueAt! });
      await condition(() => status === 'closed');
    }
  }

  /**
   * Waits out one deadline window: a reminder at its time, re-timing whenever a calendar import
   * arrives, and true when the deadline passes with the window still open.
   */
  async function openWindow(w: WindowSpec): Promise<boolean> {
    let remindedFor: string | null = null;
    for (;;) {
      if (!w.isOpen()) return false;
      const importId = pendingRetimes.shift();
      if (importId !== undefined) {
        const r = await run('retimeTask', `re-compute the ${w.name} deadline after calendar import #${importId}`, { taskId, importId });
        if (r.window === w.name) w.retimed({ dueAt: r.dueAt!, remindAt: r.remindAt ?? null });
        continue;
      }
      const now = Date.now();
      const due = Date.parse(w.due());
      if (now >= due) return true;
      const remindAt = w.remindAt();
      const remind = remindAt && remindedFor !== w.due() && Date.parse(remindAt) > now ? Date.parse(remindAt) : null;
      const summary = remind
        ? `${w.name} reminder ${formatShanghai(remindAt!)} (deadline ${formatShanghai(w.due())})`
        : `${w.name} deadline ${formatShanghai(w.due())}, ${w.period}`;
      const interrupted = await condition(() => !w.isOpen() || pendingRetimes.length > 0, (remind ?? due) - now, { summary });
      if (!interrupted && remind) {
        await w.remind();
        remindedFor = w.due();
      }
    }
  }

  setHandler(taskStateQuery, state);
  setHandler(calendarChangedSignal, ({ importId }) => {
    pendingRetimes.push(importId);
  });
  let noticeFailed = false;
  setHandler(notificationFailedSignal, ({ businessKey }) => {
    if (businessKey === `${taskId}:claim-notice`) noticeFailed = true;
  });

  setHandler(
    claimUpdate,
    async ({ actor }) => {
      // The claim counts at the moment it arrives, even if recording it takes a retry or two.
      claimedAt = new Date().toISOString();
      // A claim can arrive as soon as the task row exists, before the workflow has the deadline
      // the push stored: it is judged against that deadline once known.
      await condition(() => claimDueAt !== '');
      const onTime = Date.parse(claimedAt) <= Date.parse(claimDueAt);
      moveTo('claimed', `claimed by ${actor.sub}${onTime ? '' : ' (late)'}`);
      await record(recordsLocally, 'recordClaim', `claim by ${actor.sub}`, { taskId, applicationNo, actor, claimedAt, onTime });
      return state();
    },
    {
      validator: ({ actor }) => {
        ownDivision(actor);
        if (status !== 'awaiting-claim') refuse(FailureType.InvalidState, `task ${taskId} is already ${status}`);
      },
    },
  );

  setHandler(
    inspectionUpdate,
    async ({ actor, finishedAt, findings }) => {
      moveTo('awaiting-feedback', `supervision finished ${formatShanghai(finishedAt)}`);
      const r = await record(recordsLocally, 'recordInspection', `supervision finished; open the ${'feedback'} window`, { taskId, applicationNo, actor, finishedAt, findings });
      feedbackDueAt = r.feedbackDueAt;
      feedbackRemindAt = r.remindAt ?? null;
      feedbackPeriod = r.period ?? '';
      moveTo('awaiting-feedback', `feedback due ${formatShanghai(r.feedbackDueAt)}`, r.feedbackDueAt);
      return state();
    },
    {
      validator: ({ actor, finishedAt }) => {
        ownDivision(actor);
        if (status !== 'claimed') refuse(FailureType.InvalidState, `task ${taskId} is ${status}: supervision can be finished only after claim and once`);
        const at = Date.parse(finishedAt);
        if (Number.isNaN(at)) refuse(FailureType.Invalid, `finishedAt is not an instant: ${finishedAt}`);
        if (at > Date.now() + FUTURE_TOLERANCE_MS) refuse(FailureType.Invalid, `finishedAt ${finishedAt} is in the future`);
        // People give times to the second or the minute; only a time clearly before the claim is wrong.
        if (claimedAt && at < Date.parse(claimedAt) - FUTURE_TOLERANCE_MS) refuse(FailureType.Invalid, `finishedAt ${finishedAt} is before the claim at ${claimedAt}`);
      },
    },
  );

  setHandler(
    feedbackUpdate,
    async ({ actor, result: r, note, rectificationDeadline }) => {
      const at = new Date().toISOString();
      const onTime = feedbackDueAt !== undefined && Date.parse(at) <= Date.parse(feedbackDueAt);
      result = r;
      if (r === 'rectification' || r === 'commitment-untrue') {
        // Not the end: a rectification order, then a re-inspection at its deadline.
        round += 1;
        cause = r;
        moveTo('rectifying', `${r}: rectification order round ${round}`);
        await record(recordsLocally, 'recordFeedback', `feedback: ${r}`, { taskId, applicationNo, actor, result: r, note, at, onTime, closes: false });
        const order = await record(recordsLocally, 'orderRectification', `rectification order, round ${round}`, { taskId, applicationNo, actor, cause: r, round, deadline: rectificationDeadline, note });
        rectificationDueAt = order.dueAt;
        moveTo('rectifying', `rectification due ${formatShanghai(order.dueAt)} (round ${round})`, order.dueAt);
        return state();
      }
      outcome = r === 'unreachable' ? 'unreachable' : 'compliant';
      moveTo('closed', `result: ${r}`);
      await record(recordsLocally, 'recordFeedback', `feedback: ${r}`, { taskId, applicationNo, actor, result: r, note, at, onTime, closes: true });
      return state();
    },
    {
      validator: ({ actor, result: r, rectificationDeadline }) => {
        ownDivision(actor);
        if (status !== 'awaiting-feedback' || feedbackDueAt === undefined) {
          refuse(FailureType.InvalidState, `task ${taskId} is ${status}: feedback comes after supervision is finished, once`);
        }
        if (r === 'commitment-untrue' && !input.verifyCommitment) {
          refuse(FailureType.Invalid, `task ${taskId} does not verify a commitment (事后核查): use 'rectification' for a non-compliance`);
        }
        futureDeadline(rectificationDeadline, r === 'rectification' || r === 'commitment-untrue');
      },
    },
  );

  /** A deadline given by the caller must parse, lie in the future, and be allowed here. */
  const futureDeadline = (deadline: string | undefined, allowed: boolean) => {
    if (deadline === undefined) return;
    if (!allowed) refuse(FailureType.Invalid, 'rectificationDeadline goes only with a rectification order');
    const t = Date.parse(deadline);
    if (Number.isNaN(t)) refuse(FailureType.Invalid, `rectificationDeadline is not an instant: ${deadline}`);
    if (t <= Date.now()) refuse(FailureType.Invalid, `rectificationDeadline ${deadline} is not in the future`);
    if (t > Date.now() + MAX_ORDER_MS) refuse(FailureType.Invalid, `rectificationDeadline ${deadline} is more than a year away`);
  };

  setHandler(
    reinspectionUpdate,
    async ({ actor, rectified, note, rectificationDeadline }) => {
      const at = new Date().toISOString();
      const reinspected = round;
      if (rectified) {
        outcome = 'rectified';
        moveTo('closed', `re-inspection: rectified (round ${reinspected})`);
        await record(recordsLocally, 'recordReinspection', `re-inspection: rectified`, { taskId, applicationNo, actor, round: reinspected, rectified, note, at, outcome });
      } else if (rectificationDeadline) {
        round += 1;
        moveTo('rectifying', `not rectified: rectification round ${round} ordered`);
        await record(recordsLocally, 'recordReinspection', 're-inspection: not rectified, another round', { taskId, applicationNo, actor, round: reinspected, rectified, note, at });
        const order = await record(recordsLocally, 'orderRectification', `rectification order, round ${round}`, { taskId, applicationNo, actor, cause, round, deadline: rectificationDeadline, note });
        rectificationDueAt = order.dueAt;
      } else {
        // 撤销许可 is the approval department's act: supervision asks through the case, never around it.
        outcome = 'revocation-requested';
        outcomeReason = `${cause === 'commitment-untrue' ? 'commitment untrue' : 'non-compliance'} not rectified after ${reinspected} round(s): ${note}`;
        moveTo('closed', 'not rectified: revocation requested from the approval department');
        await record(recordsLocally, 'recordReinspection', 're-inspection: not rectified, revocation requested', { taskId, applicationNo, actor, round: reinspected, rectified, note, at, outcome });
      }
      return state();
    },
    {
      validator: ({ actor, rectified, rectificationDeadline }) => {
        ownDivision(actor);
        if (status !== 'rectifying' && status !== 'awaiting-reinspection') refuse(FailureType.InvalidState, `task ${taskId} is ${status}: re-inspection follows a rectification order`);
        futureDeadline(rectificationDeadline, !rectified);
      },
    },
  );

  /** One round: the order's deadline, then the re-inspection window with its reminder. */
  async function rectificationRound(): Promise<void> {
    // The order is recorded by the feedback handler; its deadline comes with it.
    await condition(() => rectificationDueAt !== undefined);
    const thisRound = round;
    await run('notify', `rectification order to the applicant (round ${thisRound})`, {
      businessKey: `${taskId}:rectification-order:${thisRound}`,
      recipient: { kind: 'applicant', applicationNo },
      template: 'rectification-order',
      params: { applicant: input.applicantName, item: input.itemName, dueAt: formatShanghai(rectificationDueAt!) },
      applicationNo,
      taskId,
    });
    const early = await condition(() => status !== 'rectifying' || round !== thisRound, Math.max(0, Date.parse(rectificationDueAt!) - Date.now()), {
      summary: `rectification deadline ${formatShanghai(rectificationDueAt!)} (round ${thisRound})`,
    });
    if (early) return;
    const r = await run('openReinspection', `re-inspection due (round ${thisRound})`, { taskId, applicationNo, round: thisRound });
    reinspectionDueAt = r.dueAt;
    moveTo('awaiting-reinspection', `re-inspection due ${formatShanghai(r.dueAt)} (round ${thisRound})`, r.dueAt);
    const notice = (key: string) =>
      run('notify', `re-inspection ${key} to the admin of ${input.divisionCode}`, {
        businessKey: `${taskId}:reinspection-${key}:${thisRound}`,
        recipient: { kind: 'division-admin', divisionCode: input.divisionCode },
        template: 'reinspection-notice',
        params: { division: input.divisionCode, applicant: input.applicantName, taskId, dueAt: formatShanghai(reinspectionDueAt) },
        applicationNo,
        taskId,
      });
    await notice('notice');
    // A calendar import re-times the window like the claim and feedback windows (a retime result
    // for it exists only since then, so older histories never take this callback).
    let reinspectionRemindAt = r.remindAt;
    const expired = await openWindow({
      name: 'reinspection',
      isOpen: () => status === 'awaiting-reinspection',
      due: () => reinspectionDueAt,
      remindAt: () => reinspectionRemindAt,
      retimed: (x) => {
        reinspectionDueAt = x.dueAt;
        reinspectionRemindAt = x.remindAt;
        moveTo('awaiting-reinspection', `re-inspection due ${formatShanghai(reinspectionDueAt)} (round ${thisRound})`, reinspectionDueAt);
      },
      period: r.period,
      remind: () => notice('reminder'),
    });
    if (expired) {
      await run('markFeedbackOverdue', `re-inspection overdue (round ${thisRound})`, { taskId, applicationNo, feedbackDueAt: reinspectionDueAt, step: `reinspection-overdue:${thisRound}` });
      await condition(() => status !== 'awaiting-reinspection');
    }
  }

  /** After a round: closed, or another round ordered, which starts a fresh run (continue-as-new). */
  async function afterRound(): Promise<SupervisionTaskResult | null> {
    if ((status as TaskStatus) !== 'rectifying') return null;
    await condition(allHandlersFinished);
    await continueAsNew<typeof supervisionTask>({
      ...input,
      resume: { round, cause, rectificationDueAt: rectificationDueAt!, claimDueAt, claimedAt, claimOverdue, ...(recordsLocally && { recordsLocally }) },
    });
    return null;
  }

  if (input.resume) {
    // A later rectification round, in a fresh run with a short history.
    status = 'rectifying';
    claimDueAt = input.resume.claimDueAt;
    claimedAt = input.resume.claimedAt;
    claimOverdue = input.resume.claimOverdue;
    moveTo('rectifying', `rectification due ${formatShanghai(rectificationDueAt!)} (round ${round})`, rectificationDueAt);
    await rectificationRound();
    await afterRound();
    await condition(allHandlersFinished);
    return { taskId, result: result ?? cause, outcome, departmentCode: input.departmentCode, reason: outcomeReason };
  }

  // ── push: task row, claim window, SMS to the division admin ──
  const opened = await run('openTask', `push dossier to ${input.departmentCode} / ${input.divisionCode}`, input);
  recordsLocally = opened.recordsLocally === true;
  claimDueAt = opened.claimDueAt;
  // A claim that came in while the push was being recorded stands: don't move it back. A
  // generation-2 task whose window the push opened started with this stage and deadline as
  // search attributes: no upsert.
  const startedWithIt = input.generation === 2 && input.claimWindow?.dueAt === claimDueAt;
  if (status === 'awaiting-claim') moveTo('awaiting-claim', `claim due ${formatShanghai(claimDueAt)}`, claimDueAt, !startedWithIt);
  const notice = await run('notify', `SMS to the admin of ${input.divisionCode}: new task`, {
    businessKey: `${taskId}:claim-notice`,
    recipient: { kind: 'division-admin', divisionCode: input.divisionCode },
    template: 'task-assigned',
    params: { division: input.divisionCode, applicant: input.applicantName, creditCode: input.creditCode, item: input.itemName, taskId, claimDue: formatShanghai(claimDueAt) },
    applicationNo,
    taskId,
  });
  // A task SMS that never reaches the division admin must not leave the task unseen: the
  // department head is told at once (refused now, or reported failed later by a receipt).
  if (notice.status === 'failed') noticeFailed = true;
  const noticeWatch = (async () => {
    await condition(() => noticeFailed || status !== 'awaiting-claim');
    if (noticeFailed && status === 'awaiting-claim') {
      await run('notify', `task SMS failed: tell the head of ${input.departmentCode}`, {
        businessKey: `${taskId}:notice-failed`,
        recipient: { kind: 'department-head', departmentCode: input.departmentCode },
        template: 'notice-failed',
        params: { division: input.divisionCode, applicant: input.applicantName, taskId, claimDue: formatShanghai(claimDueAt) },
        applicationNo,
        taskId,
      });
    }
  })();

  // Cases started before the reminder ladder and calendar re-timing keep their original path,
  // so their histories replay (STYLE.md §8; test/histories/).
  const ladder = input.generation === 2 || patched(DEADLINE_LADDER_PATCH);

  // ── claim window: policy's working days from the SMS, reminder before, escalation at the deadline ──
  if (ladder) {
    let remindAt = opened.remindAt;
    const expired = await openWindow({
      name: 'claim',
      isOpen: () => status === 'awaiting-claim',
      due: () => claimDueAt,
      remindAt: () => remindAt,
      retimed: (r) => {
        claimDueAt = r.dueAt;
        remindAt = r.remindAt;
        moveTo('awaiting-claim', `claim due ${formatShanghai(claimDueAt)}`, claimDueAt);
      },
      period: opened.period,
      remind: () =>
        run('notify', `claim reminder to the admin of ${input.divisionCode}`, {
          businessKey: `${taskId}:claim-reminder:${claimDueAt}`,
          recipient: { kind: 'division-admin', divisionCode: input.divisionCode },
          template: 'claim-reminder',
          params: { applicant: input.applicantName, taskId, claimDue: formatShanghai(claimDueAt) },
          applicationNo,
          taskId,
        }),
    });
    if (expired) {
      claimOverdue = true;
      setCurrentDetails(`**awaiting-claim (overdue)** — claim deadline ${formatShanghai(claimDueAt)} passed; escalated`);
      const notice = (to: (typeof opened.escalateTo)[number]) => ({
        businessKey: to === 'department-head' ? `${taskId}:claim-escalation` : `${taskId}:claim-escalation:${to}`,
        recipient: to === 'department-head' ? ({ kind: 'department-head', departmentCode: input.departmentCode } as const) : ({ kind: 'coordinating-office', regionCode: input.regionCode } as const),
        template: 'claim-escalation' as const,
        params: { division: input.divisionCode, applicant: input.applicantName, taskId, claimDue: formatShanghai(claimDueAt) },
        applicationNo,
        taskId,
      });
      const whom = (to: (typeof opened.escalateTo)[number]) => `the ${to} of ${to === 'department-head' ? input.departmentCode : input.regionCode}`;
      if (input.generation === 2) {
        // Every deadline of a day falls at 24:00: the mark and the notices are one activity.
        const escalated = await run('escalateClaim', `claim deadline passed: overdue, escalated to ${opened.escalateTo.map(whom).join(' and ')}`, { taskId, applicationNo, claimDueAt, notices: opened.escalateTo.map(notice) });
        // The formal urging notice (催办) the next working day, unless claimed by then. Results
        // recorded before it existed are the bare list of notices: those tasks are not urged.
        let urgeAt = Array.isArray(escalated) ? null : escalated.urgeAt;
        // A calendar import moves the urging time too (the next working day may have become a
        // day off). Escalations recorded before this returned no `retimable`: their wait does
        // not wake on an import, as it did not then, so their histories replay.
        const retimable = !Array.isArray(escalated) && escalated.retimable === true;
        while (urgeAt) {
          const at = urgeAt;
          const woke = await condition(() => status !== 'awaiting-claim' || (retimable && pendingRetimes.length > 0), Math.max(0, Date.parse(at) - Date.now()), {
            summary: `urging (催办) ${formatShanghai(at)} unless claimed`,
          });
          if (!woke) {
            await run('notify', `urge the admin of ${input.divisionCode} to claim (催办)`, {
              businessKey: `${taskId}:claim-urging`,
              recipient: { kind: 'division-admin', divisionCode: input.divisionCode },
              template: 'claim-urging',
              params: { division: input.divisionCode, applicant: input.applicantName, taskId, claimDue: formatShanghai(claimDueAt) },
              applicationNo,
              taskId,
            });
            break;
          }
          if (status !== 'awaiting-claim') break;
          const importId = pendingRetimes.shift()!;
          urgeAt = (await run('retimeUrging', `re-compute the urging time after calendar import #${importId}`, { taskId, importId, urgeAt: at })).urgeAt;
          setCurrentDetails(`**awaiting-claim (overdue)** — claim deadline ${formatShanghai(claimDueAt)} passed; urging (催办) ${formatShanghai(urgeAt)}`);
        }
      } else {
        await run('markClaimOverdue', 'claim deadline passed: mark overdue', { taskId, applicationNo, claimDueAt });
        for (const to of opened.escalateTo) await run('notify', `escalate to ${whom(to)}`, notice(to));
      }
      await condition(() => status !== 'awaiting-claim');
    }
  } else {
    await claimWindowV1(opened.workingDays, opened.provisional);
  }

  // ── supervision, then the feedback window: working days after finishing ──
  await condition(() => feedbackDueAt !== undefined || status === 'closed');
  if ((status as TaskStatus) !== 'closed') {
    if (ladder) {
      const expired = await openWindow({
        name: 'feedback',
        isOpen: () => status === 'awaiting-feedback',
        due: () => feedbackDueAt!,
        remindAt: () => feedbackRemindAt,
        retimed: (r) => {
          feedbackDueAt = r.dueAt;
          feedbackRemindAt = r.remindAt;
          moveTo('awaiting-feedback', `feedback due ${formatShanghai(feedbackDueAt)}`, feedbackDueAt);
        },
        period: feedbackPeriod,
        remind: () =>
          run('notify', `feedback reminder to the admin of ${input.divisionCode}`, {
            businessKey: `${taskId}:feedback-reminder:${feedbackDueAt}`,
            recipient: { kind: 'division-admin', divisionCode: input.divisionCode },
            template: 'feedback-reminder',
            params: { applicant: input.applicantName, taskId, feedbackDue: formatShanghai(feedbackDueAt!) },
            applicationNo,
            taskId,
          }),
      });
      if (expired) {
        feedbackOverdue = true;
        await run('markFeedbackOverdue', 'feedback deadline passed: mark overdue', { taskId, applicationNo, feedbackDueAt: feedbackDueAt! });
        await condition(() => status !== 'awaiting-feedback');
      }
      if ((status as TaskStatus) === 'rectifying') {
        await rectificationRound();
        await afterRound();
      }
    } else {
      await feedbackWindowV1();
    }
  }
  await noticeWatch;
  await condition(allHandlersFinished);
  return { taskId, result: result!, outcome, departmentCode: input.departmentCode, reason: outcomeReason };
}
