// The state of one complaint (docs/complaints.md), shared by its phases (intake, task, reply,
// forward) and its handlers.
import { ApplicationFailure, setCurrentDetails, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { FailureType, ComplaintCaseInput, ComplaintState, ComplaintStatus } from '../contracts.js';
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
  readonly imports = new CalendarImports();

  constructor(readonly input: ComplaintCaseInput) {}

  get no(): string {
    return this.input.complaintNo;
  }

  state(): ComplaintState {
    const { reg } = this;
    return { complaintNo: this.no, status: this.status, taskId: reg?.taskId, departmentCode: reg?.route.departmentCode, divisionCode: reg?.route.divisionCode, replyDueAt: reg?.replyDueAt, replyOverdue: this.replyOverdue, repliedAt: this.repliedAt, replySent: this.replySent };
  }

  moveTo(next: ComplaintStatus, details: string): void {
    this.status = next;
    setCurrentDetails(`**${next}** — ${details}`);
  }
}
