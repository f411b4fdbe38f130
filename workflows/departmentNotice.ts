// departmentNotice: one notice a department must take on within its window (docs/notices.md) —
// 双告知 (a registration, claimed: 认领) or 联动告知 (a revocation or a finding, acknowledged: 签收,
// 双反馈). Opened → forwarded by the division of powers (市县分工) where the power is held
// elsewhere → SMS to the holder → the window (the region's claim window) with its reminder →
// escalation at the deadline → answered. A holder may forward it by hand (转办): the window opens
// again at the new holder, each hop on the trail.
import { allHandlersFinished, condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { recordLocally, run } from './acts.js';
import {
  FailureType,
  SYSTEM_ACTOR,
  answerNoticeUpdate,
  forwardNoticeUpdate,
  noticeLicensedSignal,
  noticeStateQuery,
  type Actor,
  type DepartmentNoticeInput,
  type DepartmentNoticeResult,
  type NoticeState,
  type NoticeStatus,
} from './contracts.js';
import { formatShanghai } from './domain/format.js';
import { departmentNotices, send } from './notices.js';
import { refuse } from './task/state.js';
import { CalendarImports, waitOutWindow } from './window.js';

/** A notice passes through at most this many hands: a loop of forwards ends at a person, not in a cycle. */
const MAX_HOPS = 8;

type Holder = Omit<Awaited<ReturnType<Activities['openNotice']>>, 'forward'>;

class NoticeRun {
  status: NoticeStatus;
  holder!: Holder;
  hops = 0;
  overdue = false;
  readonly imports = new CalendarImports();

  constructor(readonly input: DepartmentNoticeInput) {
    this.status = input.kind === 'registration' ? 'awaiting-claim' : 'awaiting-acknowledgement';
  }

  get open(): boolean {
    return this.status === 'awaiting-claim' || this.status === 'awaiting-acknowledgement';
  }

  /** A new holder (the first, or after a hop): its window. */
  take(h: Holder): void {
    this.holder = h;
    this.overdue = false;
    setCurrentDetails(`**${this.status}** — ${h.departmentCode}${h.divisionCode ? ` / ${h.divisionCode}` : ''}, due ${formatShanghai(h.dueAt)}`);
  }

  ownHolder(actor: Actor): void {
    const { departmentCode, divisionCode } = this.holder;
    if (actor.department !== departmentCode || (divisionCode && actor.division && actor.division !== divisionCode)) {
      refuse(FailureType.Forbidden, `notice ${this.input.noticeId} is addressed to ${departmentCode}${divisionCode ? ` / ${divisionCode}` : ''}`);
    }
  }

  mustBeOpen(): void {
    if (!this.open) refuse(FailureType.InvalidState, `notice ${this.input.noticeId} is already ${this.status}`);
  }

  state(): NoticeState {
    const { noticeId, kind } = this.input;
    const h = this.holder;
    return { noticeId, kind, status: this.status, departmentCode: h?.departmentCode ?? this.input.to.departmentCode, divisionCode: h?.divisionCode ?? undefined, itemCode: h?.itemCode ?? undefined, dueAt: h?.dueAt ?? '', overdue: this.overdue, hops: this.hops };
  }
}

function handle(n: NoticeRun): void {
  const { noticeId, kind } = n.input;
  setHandler(noticeStateQuery, () => n.state());
  setHandler(
    answerNoticeUpdate,
    async ({ actor, note }) => {
      // Answered the moment it is accepted; the status changes before any await, so a second answer is refused.
      const at = new Date().toISOString();
      n.status = kind === 'registration' ? 'claimed' : 'acknowledged';
      await condition(() => n.holder !== undefined);
      await recordLocally('answerNotice', `${n.status} by ${actor.sub}`, { noticeId, actor, note, at, onTime: Date.parse(at) <= Date.parse(n.holder.dueAt) });
      return n.state();
    },
    {
      validator: ({ actor }) => {
        n.mustBeOpen();
        if (n.holder) n.ownHolder(actor);
      },
    },
  );
  setHandler(
    forwardNoticeUpdate,
    async ({ actor, toDepartment, reason }) => {
      const next = await recordLocally('forwardNotice', `forwarded to ${toDepartment} by ${actor.sub}`, { noticeId, toDepartment, by: 'manual', reason, actor });
      // The hop counts once it is made: the main line then tells the new holder and opens its window.
      n.hops += 1;
      n.take(next);
      return n.state();
    },
    {
      validator: ({ actor, toDepartment }) => {
        n.mustBeOpen();
        if (!n.holder) refuse(FailureType.InvalidState, `notice ${noticeId} is still being opened`);
        n.ownHolder(actor);
        if (toDepartment === n.holder.departmentCode) refuse(FailureType.Invalid, `notice ${noticeId} is already at ${toDepartment}`);
        if (n.hops >= MAX_HOPS) refuse(FailureType.InvalidState, `notice ${noticeId} has been forwarded ${n.hops} times: settle it through the coordinating office`);
      },
    },
  );
  // The licence came before the claim: it answers the notice (后置审批 done).
  setHandler(noticeLicensedSignal, () => {
    if (n.open && kind === 'registration') n.status = 'licensed';
  });
}

export async function departmentNotice(input: DepartmentNoticeInput): Promise<DepartmentNoticeResult> {
  const n = new NoticeRun(input);
  handle(n);
  const opened = await run('openNotice', `notice to ${input.to.departmentCode}: ${input.matter}`, input);
  n.take(opened);
  if (opened.forward) {
    n.hops += 1;
    const { toDepartment, reason } = opened.forward;
    n.take(await run('forwardNotice', `forwarded to ${toDepartment} by the division of powers (市县分工)`, { noticeId: input.noticeId, toDepartment, by: 'division-of-powers', reason, actor: SYSTEM_ACTOR, itemCode: opened.forward.itemCode, level: opened.forward.level }));
  }
  const notices = departmentNotices(input);
  while (n.open) {
    const hop = n.hops;
    const h = n.holder;
    await send(notices.toHolder(h, hop));
    const here = () => n.open && n.hops === hop;
    const { expired, deadline } = await waitOutWindow(n.imports, {
      label: input.kind === 'registration' ? 'claim (认领)' : 'acknowledgement (签收)',
      period: h.period,
      deadline: { dueAt: h.dueAt, remindAt: h.remindAt },
      isOpen: here,
      retime: async (importId, d) => run('retimeNotice', `re-compute the notice deadline after calendar import #${importId}`, { noticeId: input.noticeId, importId, dueAt: d.dueAt, remindAt: d.remindAt }),
      remind: (d) => send(notices.reminder(h, hop, d.dueAt)),
      moved: (d) => void (n.holder = { ...n.holder, dueAt: d.dueAt, remindAt: d.remindAt }),
    });
    if (!expired) continue;
    n.overdue = true;
    setCurrentDetails(`**${n.status} (overdue)** — ${h.departmentCode} did not answer by ${formatShanghai(deadline.dueAt)}; escalated`);
    await run('escalateNotice', `not answered by ${formatShanghai(deadline.dueAt)}: escalated`, { noticeId: input.noticeId, dueAt: deadline.dueAt, notices: notices.escalation(h, hop, deadline.dueAt).map((x) => x.input) });
    await condition(() => !here());
  }
  await condition(allHandlersFinished);
  return { noticeId: input.noticeId, status: n.status, departmentCode: n.holder.departmentCode, overdue: n.overdue };
}
