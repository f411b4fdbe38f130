// The state of one supervision task, shared by its phases (claim, inspection, feedback,
// rectification) and its handlers.
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { FailureType, type Actor, type ChecklistAnswer, type Delegation, type FeedbackResult, type SupervisionTaskInput, type SupervisionTaskResult, type TaskOutcome, type TaskState, type TaskStatus } from '../contracts.js';
import { run } from '../acts.js';
import { taskNotices, type TaskNotices } from '../notices.js';
import { CalendarImports, type Deadline } from '../window.js';
import { stageAttributes } from '../domain/search-attributes.js';

export function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export class TaskRun {
  status: TaskStatus = 'awaiting-claim';
  /** The push's row is written (openTask answered): what a handler records can follow it. */
  opened = false;
  /** The task SMS to the division admin failed (refused, or a failed delivery receipt). */
  noticeFailed = false;
  claimDueAt: string;
  claimOverdue = false;
  claimedAt?: string;
  /** The inspection's deadline after the claim, when the policy or the supervision item sets one. */
  inspectionDueAt?: string;
  feedbackDueAt?: string;
  feedbackRemindAt: string | null = null;
  feedbackPeriod = '';
  feedbackOverdue = false;
  result?: FeedbackResult;
  /** 整改 and 复查: rounds of rectification, each ending in a re-inspection. */
  round: number;
  cause: 'rectification' | 'commitment-untrue';
  rectificationDueAt?: string;
  reinspectionDueAt = '';
  outcome?: TaskOutcome;
  outcomeReason?: string;
  /** 委派: the officers a division admin named (workflows/task/delegation.ts). */
  delegation?: Delegation;
  readonly imports = new CalendarImports();
  readonly notices: TaskNotices;

  constructor(readonly input: SupervisionTaskInput) {
    this.notices = taskNotices(input);
    const resume = input.resume;
    this.claimDueAt = resume?.claimDueAt ?? input.claimWindow.dueAt;
    this.round = resume?.round ?? 0;
    this.cause = resume?.cause ?? 'rectification';
    if (resume) {
      this.status = 'rectifying';
      this.claimedAt = resume.claimedAt;
      this.claimOverdue = resume.claimOverdue;
      this.rectificationDueAt = resume.rectificationDueAt;
      this.delegation = resume.delegation;
      this.opened = true;
    }
  }

  get taskId(): string {
    return this.input.taskId;
  }

  /** The file the task's steps are on the trail under: its origin's number (the application, the complaint). */
  get fileNo(): string {
    return this.input.origin.no;
  }

  state(): TaskState {
    const { taskId, status, claimDueAt, claimOverdue, claimedAt, feedbackDueAt, feedbackOverdue, result, rectificationDueAt, round, outcome } = this;
    return { taskId, status, claimDueAt, claimOverdue, claimedAt, feedbackDueAt, feedbackOverdue, result, rectificationDueAt, reinspectionDueAt: this.reinspectionDueAt || undefined, round, outcome, ...(this.delegation && { delegatedTo: this.delegation.inspectors }) };
  }

  /**
   * Search attributes only where the task rests — a stage with its deadline known, or claimed
   * (waiting for the inspection) — not the moment before an activity returns the deadline, nor
   * the end (the closed workflow says it): each upsert is a visibility write on the server.
   */
  moveTo(next: TaskStatus, details: string, dueAt?: string): void {
    this.status = next;
    if (dueAt !== undefined || next === 'claimed') upsertSearchAttributes(stageAttributes(next, dueAt));
    setCurrentDetails(`**${next}** — ${details}`);
  }

  ownDivision(actor: Actor): void {
    const { departmentCode, divisionCode } = this.input;
    if (actor.department !== departmentCode || actor.division !== divisionCode) {
      refuse(FailureType.Forbidden, `task ${this.taskId} belongs to division ${divisionCode} of ${departmentCode}`);
    }
  }

  /**
   * A random-inspection task is inspected and its record form filled by the officers drawn for it
   * (行政处罚法 art. 42: at least two law-enforcement officers), acting in the task's division.
   */
  drawnInspector(actor: Actor): void {
    const drawn = this.input.inspection?.inspectors;
    if (drawn && !drawn.includes(actor.sub)) refuse(FailureType.Forbidden, `task ${this.taskId} is inspected by the officers drawn for it (${drawn.join(', ')})`);
  }

  /**
   * 委派: a delegated task is claimed, inspected, fed back and re-inspected only by the officers
   * named and by the division admin who delegates it (docs/delegation.md); another platform's
   * result is not theirs either. Called after ownDivision / ownDivisionOrPlatform.
   */
  delegatedOfficer(actor: Actor): void {
    const named = this.delegation?.inspectors;
    if (!named || named.includes(actor.sub) || (actor.divisionAdmin && actor.role === 'supervision')) return;
    refuse(FailureType.Forbidden, `task ${this.taskId} is delegated (委派): only ${named.join(', ')} and the division admin act on it`);
  }

  /**
   * A random-inspection task's record form: every check item answered once, no other; the result
   * follows from the answers — a failed item is a non-compliance (rectification), none is
   * compliant (or the entity unreachable).
   */
  checkRecordForm(result: FeedbackResult, checklist: ChecklistAnswer[] | undefined): void {
    const form = this.input.inspection?.checkItems;
    if (!form) {
      if (checklist) refuse(FailureType.Invalid, `task ${this.taskId} has no record form: a checklist goes only with a random-inspection task`);
      return;
    }
    if (!checklist) refuse(FailureType.Invalid, `task ${this.taskId} is a random inspection: its record form (检查结果记录表) must answer every check item (${form.join('; ')})`);
    const answered = checklist.map((c) => c.item);
    const missing = form.filter((i) => !answered.includes(i));
    const unknown = answered.filter((i) => !form.includes(i));
    if (missing.length || unknown.length || new Set(answered).size !== answered.length) {
      refuse(FailureType.Invalid, `the record form answers each check item once: ${[missing.length ? `missing ${missing.join('; ')}` : '', unknown.length ? `not on the form ${unknown.join('; ')}` : '', new Set(answered).size !== answered.length ? 'an item answered twice' : ''].filter(Boolean).join(', ')}`);
    }
    const failed = checklist.some((c) => c.answer === 'fail');
    if (failed && result !== 'rectification') refuse(FailureType.Invalid, `a check item failed: the result is rectification, not ${result}`);
    if (!failed && result === 'rectification') refuse(FailureType.Invalid, 'rectification needs a failed check item');
  }

  /**
   * The owning division, or another supervision platform posting a result recorded there: a
   * platform of the task's region, and of its department when the platform's token names one
   * (the market-supervision platform carries the market regulator's results only).
   */
  ownDivisionOrPlatform(actor: Actor): void {
    if (actor.role !== 'platform') return this.ownDivision(actor);
    const { regionCode, departmentCode } = this.input;
    if (actor.region !== regionCode) refuse(FailureType.Forbidden, `task ${this.taskId} is in region ${regionCode}: platform ${actor.platform} serves ${actor.region}`);
    if (actor.department && actor.department !== departmentCode) refuse(FailureType.Forbidden, `task ${this.taskId} belongs to ${departmentCode}: platform ${actor.platform} carries only ${actor.department}'s results`);
  }

  /** A window's deadline after a calendar import: the activity re-computes the window named. */
  async retime(window: 'claim' | 'inspection' | 'feedback' | 'rectification' | 'reinspection', importId: number, d: Deadline): Promise<Deadline> {
    const r = await run('retimeTask', `re-compute the ${window} deadline after calendar import #${importId}`, { taskId: this.taskId, importId, window, dueAt: d.dueAt, remindAt: d.remindAt });
    return { dueAt: r.dueAt, remindAt: r.remindAt };
  }

  outcomeOf(): SupervisionTaskResult {
    return { taskId: this.taskId, result: this.result ?? this.cause, outcome: this.outcome, departmentCode: this.input.departmentCode, reason: this.outcomeReason };
  }
}
