// The approvalCase messages: its input, stages, updates and their results.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, Applicant, RequestedRoute, Route } from './common.js';

/**
 * A material (申请材料) by name, with the file stored for it (POST /v1/documents) where one was
 * uploaded: the case carries ids and names, never the bytes.
 */
export interface Material {
  name: string;
  documentId?: string;
}

export interface ApprovalCaseInput {
  applicationNo: string;
  itemCode: string;
  applicant: Applicant;
  materials: Material[];
  route: RequestedRoute;
  commitment?: CommitmentRequest;
  /** sha-256 of the canonical request body: the same number with another body is a conflict. */
  requestHash: string;
  submittedBy: Actor;
}

/** Every stage of a case, in order; the API's schemas are derived from these lists. */
export const CASE_STAGES = ['submitted', 'credit-check', 'verifying', 'awaiting-decision', 'rejected', 'awaiting-materials', 'licensed', 'unrouted', 'supervising', 'revocation-pending', 'revoked', 'closed'] as const;
export type CaseStage = (typeof CASE_STAGES)[number];

export const COMMITMENT_SCENARIOS = ['deferred-materials', 'verification', 'post-verification'] as const;
export type CommitmentScenario = (typeof COMMITMENT_SCENARIOS)[number];

export interface CommitmentRequest {
  scenario: CommitmentScenario;
  deferredMaterials?: string[];
  text?: string;
}
export const LICENCE_STATUSES = ['none', 'granted-on-commitment', 'issued', 'revoked'] as const;
export type LicenceStatus = (typeof LICENCE_STATUSES)[number];

export interface CaseRegistration {
  applicationNo: string;
  stage: CaseStage;
  route: Route;
  routeReason: string;
  scenario?: CommitmentScenario;
}

export interface CaseState {
  applicationNo: string;
  stage: CaseStage;
  route?: Route;
  routeReason?: string;
  decision?: 'approve' | 'reject';
  tasks: Array<{ taskId: string; departmentCode: string; status: 'open' | 'closed'; result?: string }>;
}

export interface SubmitArgs {
  requestHash: string;
}

export interface DecisionArgs {
  outcome: 'approve' | 'reject';
  opinion: string;
  actor: Actor;
}

export interface DecisionResult {
  applicationNo: string;
  stage: CaseStage;
  decision: 'approve' | 'reject';
  licenceStatus: LicenceStatus;
}

/** 材料延期: the deferred materials arrived. */
export interface MaterialsArgs {
  materials: Material[];
  actor: Actor;
}

/**
 * The approval department acts on a pending revocation (requested by supervision, or allowed
 * by an overdue commitment): revoke, or, for an overdue commitment where the policy allows,
 * extend the commitment deadline with a reason.
 */
export interface RevocationArgs {
  actor: Actor;
  action: 'revoke' | 'extend';
  reason: string;
  /** With extend: the new commitment deadline (ISO instant). */
  newDeadline?: string;
}

export interface RevocationResult {
  applicationNo: string;
  stage: CaseStage;
  licenceStatus: LicenceStatus;
}

export interface ApprovalCaseResult {
  applicationNo: string;
  outcome: 'rejected' | 'closed';
  closeReason: string;
}

/** Answered once registration (credit pre-check and routing) is done. Update-with-start target. */
export const submitUpdate = defineUpdate<CaseRegistration, [SubmitArgs]>('submit');
export const decideUpdate = defineUpdate<DecisionResult, [DecisionArgs]>('decide');
export const caseStateQuery = defineQuery<CaseState>('caseState');
export const materialsUpdate = defineUpdate<CaseState, [MaterialsArgs]>('materials');
export const revocationUpdate = defineUpdate<RevocationResult, [RevocationArgs]>('revocation');
/** A linkage was confirmed for this case's item: an unrouted case tries to route again. */
export const linkagesChangedSignal = defineSignal<[{ itemCode: string }]>('linkagesChanged');

/**
 * 移交: an arbiter settled a reassignment of a linkage of the case's item: the case's running
 * task of `fromDepartment` closes as transferred and a new task goes to `to`, with its own claim
 * window and SMS, as a push does. A Signal from the settling request (it needs no answer: the
 * trail shows both tasks).
 */
export interface TransferArgs {
  linkageId: number;
  fromDepartment: string;
  to: { departmentCode: string; divisionCode: string; supervisionItemCode?: string };
  actor: Actor;
  reason: string;
}
export const transferSignal = defineSignal<[TransferArgs]>('transfer');

/**
 * 市县分工 for a running case: the approval department that received it forwards it, before
 * its decision, to the department that holds the item's power at another level (by the division
 * of powers, or by hand with a reason). The API resolves the target; the case moves there (its
 * department and region: read model, search attributes, scope) and the hop goes on its trail.
 */
export interface CaseForwardArgs {
  actor: Actor;
  toDepartment: string;
  /** The target department's region: the case's region after the hop. */
  toRegion: string;
  by: 'division-of-powers' | 'manual';
  reason: string;
  /** By the division of powers: the level that holds the power and the holder's own item. */
  level?: string;
  holderItemCode?: string;
}

export interface CaseForwardResult {
  applicationNo: string;
  stage: CaseStage;
  departmentCode: string;
  regionCode: string;
  hops: number;
}
/** At most this many hops for a case, as for a notice; after that the coordinating office settles it. */
export const MAX_CASE_HOPS = 8;
export const forwardCaseUpdate = defineUpdate<CaseForwardResult, [CaseForwardArgs]>('forwardCase');
