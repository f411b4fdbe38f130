// The one deadline window every waiting state uses (claim, feedback, re-inspection, urging,
// decision, commitment, revocation): a deadline that moves when the calendar is re-imported, a
// reminder at its time, and expiry. In the spirit of the UpdatableTimer of
// temporalio/samples-typescript `timer-examples`: one timer whose deadline can change while it
// waits. Deterministic: every new deadline comes from an activity.
import { condition, setHandler } from '@temporalio/workflow';
import { calendarChangedSignal } from './contracts.js';
import { formatShanghai } from './domain/format.js';

export interface Deadline {
  dueAt: string;
  /** When to remind, or null: no reminder (none in the policy, or no room before the deadline). */
  remindAt: string | null;
}

/**
 * Calendar imports signalled to this workflow (a Signal: a system event nobody waits on) and
 * not yet applied to the window it waits in.
 */
export class CalendarImports {
  private readonly pending: number[] = [];

  constructor() {
    setHandler(calendarChangedSignal, ({ importId }) => {
      this.pending.push(importId);
    });
  }

  get waiting(): boolean {
    return this.pending.length > 0;
  }

  next(): number | undefined {
    return this.pending.shift();
  }
}

export interface WindowSpec {
  /** How summaries name it: "claim", "decision", "urging (催办)". */
  label: string;
  /** The period in words for the summary: "3 working days". */
  period?: string;
  deadline: Deadline;
  /** True while the window waits for its act; false ends it in time. */
  isOpen: () => boolean;
  /** The deadline again, under the calendar as it is after import `importId`. */
  retime: (importId: number, current: Deadline) => Promise<Deadline>;
  remind?: (current: Deadline) => Promise<unknown>;
  /** The deadline moved: the stage's search attribute and details follow it. */
  moved?: (current: Deadline) => void;
}

/**
 * Waits until the window closes or its deadline passes with it open (`expired`). A reminder
 * goes out once per deadline: a deadline moved later by a calendar import is reminded again.
 */
export async function waitOutWindow(imports: CalendarImports, spec: WindowSpec): Promise<{ expired: boolean; deadline: Deadline }> {
  let current = spec.deadline;
  let remindedFor: string | null = null;
  for (;;) {
    if (!spec.isOpen()) return { expired: false, deadline: current };
    const importId = imports.next();
    if (importId !== undefined) {
      const before = current.dueAt;
      current = await spec.retime(importId, current);
      if (current.dueAt !== before) spec.moved?.(current);
      continue;
    }
    const now = Date.now();
    const due = Date.parse(current.dueAt);
    if (now >= due) return { expired: true, deadline: current };
    const remindAt = spec.remind && current.remindAt && remindedFor !== current.dueAt && Date.parse(current.remindAt) > now ? Date.parse(current.remindAt) : null;
    const summary = remindAt
      ? `${spec.label} reminder ${formatShanghai(current.remindAt!)} (deadline ${formatShanghai(current.dueAt)})`
      : `${spec.label} deadline ${formatShanghai(current.dueAt)}${spec.period ? `, ${spec.period}` : ''}`;
    const woke = await condition(() => !spec.isOpen() || imports.waiting, (remindAt ?? due) - now, { summary });
    if (!woke && remindAt) {
      await spec.remind!(current);
      remindedFor = current.dueAt;
    }
  }
}
