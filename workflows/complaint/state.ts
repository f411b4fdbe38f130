// The state of one complaint (docs/complaints.md), shared by its phases (intake, task, reply,
// forward) and its handlers.
import { ApplicationFailure, setCurrentDetails, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { FailureType, ComplaintCaseInput, ComplaintState, ComplaintStatus, SupervisionTaskResult } from '../contracts.js';
import type { supervisionTask } from '../supervisionTask.js';
import { CalendarImports } from '../window.js';
import type { Registered } from '../../activities/complaint/intake.js';

export type ComplaintTask = ChildWorkflowHandle<typeof supervisionTask>;

export function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export class ComplaintRun {
  status: ComplaintStatus = 'assigned';
  /** The registration; after a forward (转办), its route and task are the current holder's. */
  reg?: Registered;
  replyOverdue = false;
  repliedAt?: string;
  replySent = false;
  unroutable?: ApplicationFailure;
  /** The running supervision task of the department that holds the complaint. */
  task?: ComplaintTask;
  /** How each task ended, by task id (a forwarded one: transferred). */
  readonly taskResults = new Map<string, SupervisionTaskResult>();
  /** Watching each task's end; awaited before the workflow returns. */
  readonly watchers: Promise<void>[] = [];
  forwards = 0;
  /** A forward (转办) is being made: the reply and another forward wait for it. */
  forwarding = false;
  readonly imports = new CalendarImports();

  constructor(readonly input: ComplaintCaseInput) {}

  get no(): string {
    return this.input.complaintNo;
  }

  state(): ComplaintState {
    const { reg } = this;
    return { complaintNo: this.no, status: this.status, taskId: reg?.taskId, departmentCode: reg?.route.departmentCode, divisionCode: reg?.route.divisionCode, replyDueAt: reg?.replyDueAt, replyOverdue: this.replyOverdue, repliedAt: this.repliedAt, replySent: this.replySent, forwards: this.forwards };
  }

  /** The current task's end (not a transferred one's): the complaint closes when it has come and the reply went. */
  get taskResult(): SupervisionTaskResult | undefined {
    return this.forwarding || !this.reg ? undefined : this.taskResults.get(this.reg.taskId);
  }

  moveTo(next: ComplaintStatus, details: string): void {
    this.status = next;
    setCurrentDetails(`**${next}** — ${details}`);
  }
}
