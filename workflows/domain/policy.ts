// The deadline policy a task keeps and the claim window opened under it. Pure types: the
// workflow contracts and the database schema both use them (db/ imports only workflows/domain/).

/** The deadline policy a task keeps, so a later policy change never alters a running case. */
export interface PolicySnapshot {
  code: string;
  unit: 'working-day' | 'minute';
  officeTime: string;
  claimWindow: number;
  feedbackWindow: number;
  claimRemindBefore: number;
  feedbackRemindBefore: number;
  claimEscalateTo: Array<'department-head' | 'coordinating-office'>;
  /** Default rectification period in the policy's unit. */
  rectificationPeriod: number;
  /** When set, the rectification period in calendar months instead (民法典 arts. 200–203). */
  rectificationMonths?: number | null;
  /** From the claim to the end of the inspection, in the policy's unit; null: no deadline. */
  inspectionWindow?: number | null;
}

/** A claim window opened at the push: from when, until when, under which policy. */
export interface ClaimWindow {
  /** The push instant (ISO): the window counts from it, and it is the task's pushed-at time. */
  openedAt: string;
  dueAt: string;
  provisional: boolean;
  remindAt: string | null;
  /** Human phrase for summaries: "3 working days", "3 minutes (training)". */
  period: string;
  /** The policy the task keeps. */
  policy: PolicySnapshot;
}
