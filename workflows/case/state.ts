// The state of one approval case, shared by its phases (registration, decision, commitment,
// routing, supervision, revocation) and its handlers.
import { ApplicationFailure, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  FailureType,
  type ApprovalCaseInput,
  type CaseRegistration,
  type CaseStage,
  type CaseState,
  type CommitmentScenario,
  type DecisionArgs,
  type LicenceStatus,
  type Material,
  type RevocationArgs,
} from '../contracts.js';
import { run } from '../acts.js';
import { SgDepartment, SgRegion, stageAttributes } from '../domain/search-attributes.js';
import { caseNotices, type CaseNotices } from '../notices.js';
import { CalendarImports, type Deadline } from '../window.js';

/** Stages a case rests in, waiting for a person or a deadline: only these are search attributes. */
const WAITING_STAGES: ReadonlySet<CaseStage> = new Set(['awaiting-decision', 'awaiting-materials', 'unrouted', 'supervising', 'revocation-pending']);

export type OpenedItem = Awaited<ReturnType<Activities['openCase']>>;

export function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

export class CaseRun {
  stage: CaseStage = 'submitted';
  registration?: CaseRegistration;
  /** The item as the case opened it (its catalog version); set before any handler can act. */
  item?: OpenedItem;
  scenario?: CommitmentScenario;
  decision?: DecisionArgs;
  decidedAt = '';
  dossierId: number | null = null;
  licenceStatus: LicenceStatus = 'none';
  materialsReceived?: { materials: Material[]; at: string };
  /** The commitment period is being opened: the read model may already say awaiting-materials. */
  commitmentOpening = false;
  pendingRevocation?: { allowExtend: boolean };
  revocationDecision?: RevocationArgs;
  linkagesChanged = false;
  /** Hops the case made to another department before its decision (市县分工, workflows/case/forward.ts). */
  hops = 0;
  readonly tasks: CaseState['tasks'] = [];
  readonly imports = new CalendarImports();
  private notices?: CaseNotices;

  constructor(readonly input: ApprovalCaseInput) {}

  get applicationNo(): string {
    return this.input.applicationNo;
  }

  get department(): string | undefined {
    return this.item?.approvalDepartmentCode;
  }

  /** The case's notices, once the item (its department and region) is known. */
  get notify(): CaseNotices {
    this.notices ??= caseNotices({
      applicationNo: this.applicationNo,
      applicantName: this.input.applicant.name,
      approvalDepartment: this.item!.approvalDepartmentCode,
      regionCode: this.item!.regionCode,
      itemName: this.item!.itemName,
    });
    return this.notices;
  }

  state(): CaseState {
    const { applicationNo, stage, registration, decision, tasks } = this;
    return { applicationNo, stage, route: registration?.route, routeReason: registration?.routeReason, decision: decision?.outcome, tasks };
  }

  moveTo(next: CaseStage, details: string, dueAt?: string): void {
    this.stage = next;
    if (WAITING_STAGES.has(next)) upsertSearchAttributes(stageAttributes(next, dueAt));
    setCurrentDetails(`**${next}** — ${details}`);
  }

  /** A window's deadline after a calendar import, from the same start and rule as it opened. */
  async retime(window: 'decision' | 'commitment' | 'revocation', importId: number, d: Deadline): Promise<Deadline> {
    const label = window === 'revocation' ? 'revocation decision' : window;
    const r = await run('retimeCaseWindow', `re-compute the ${label} deadline after calendar import #${importId}`, { applicationNo: this.applicationNo, window, importId, dueAt: d.dueAt, remindAt: d.remindAt });
    return { dueAt: r.dueAt, remindAt: r.remindAt };
  }

  /** The case now rests at another department (and its region): its notices go there, operators find it there. */
  moveToDepartment(departmentCode: string, regionCode: string): void {
    this.item = { ...this.item!, approvalDepartmentCode: departmentCode, regionCode };
    this.notices = undefined;
    upsertSearchAttributes([
      { key: SgDepartment, value: departmentCode },
      { key: SgRegion, value: regionCode },
    ]);
  }

  ownDepartment(department: string | undefined): void {
    if (department !== this.department) refuse(FailureType.Forbidden, `case ${this.applicationNo} belongs to department ${this.department}`);
  }
}
