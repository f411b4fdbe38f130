// The departmentNotice messages (docs/notices.md): one notice a department must claim (双告知, a
// registration) or acknowledge (联动告知, a revocation or a finding) within its window.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor } from './common.js';

export type NoticeKind = 'registration' | 'linkage';

export interface NoticeRecipient {
  departmentCode: string;
  /** A linkage notice to the division the catalogs name; absent: the department (its head). */
  divisionCode?: string;
}

export interface DepartmentNoticeInput {
  noticeId: string;
  kind: NoticeKind;
  to: NoticeRecipient;
  raisedBy: Actor;
  /** The trail of the notice's origin (a case's application number, or `registration-<id>`): its receipt is written there too. */
  originTrail: string;
  creditCode: string;
  subjectName: string;
  /** What it is about, one line: the revocation and its reason, the finding. */
  matter: string;
  registrationId?: string;
  /** The enterprise's county (a registration): the division of powers is looked up for it first. */
  districtCode?: string;
  itemCode?: string;
  applicationNo?: string;
  taskId?: string;
}

export const NOTICE_STATUSES = ['awaiting-claim', 'claimed', 'licensed', 'awaiting-acknowledgement', 'acknowledged'] as const;
export type NoticeStatus = (typeof NOTICE_STATUSES)[number];

export interface NoticeState {
  noticeId: string;
  kind: NoticeKind;
  status: NoticeStatus;
  departmentCode: string;
  divisionCode?: string;
  itemCode?: string;
  dueAt: string;
  overdue: boolean;
  hops: number;
}

export interface NoticeAnswerArgs {
  actor: Actor;
  note?: string;
}

/** 转办: the receiving department passes the notice to the department that holds the power. */
export interface NoticeForwardArgs {
  actor: Actor;
  toDepartment: string;
  reason: string;
}

export interface DepartmentNoticeResult {
  noticeId: string;
  status: NoticeStatus;
  departmentCode: string;
  overdue: boolean;
}

/** 认领 (a registration) or 签收 (a linkage notice): the holder has taken it on. */
export const answerNoticeUpdate = defineUpdate<NoticeState, [NoticeAnswerArgs]>('answerNotice');
export const forwardNoticeUpdate = defineUpdate<NoticeState, [NoticeForwardArgs]>('forwardNotice');
/** The holder's licence for the credit code and item was issued (后置审批): an unclaimed notice is answered by it. A system event: a Signal. */
export const noticeLicensedSignal = defineSignal<[{ applicationNo: string }]>('noticeLicensed');
export const noticeStateQuery = defineQuery<NoticeState>('noticeState');

/** 双告知: one notice per registration and approval item. */
export const registrationNoticeId = (registrationId: string, itemCode: string) => `notice-reg-${registrationId}.${itemCode}`;
/** 联动告知 of a revocation: one per case and concerned department. */
export const revocationNoticeId = (applicationNo: string, departmentCode: string) => `notice-rev-${applicationNo}.${departmentCode}`;
/** 联动告知 of a finding: one per reporter's reference and concerned department. */
export const findingNoticeId = (reference: string, departmentCode: string) => `notice-fnd-${reference}.${departmentCode}`;
export const registrationTrail = (registrationId: string) => `registration-${registrationId}`;
