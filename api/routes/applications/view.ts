// A case as the API shows it: its links, the submission's answer, the detail and the trail.
import { z } from 'zod';
import type { CaseStage, CommitmentScenario, FeedbackResult, LicenceStatus, TaskOutcome, TaskStatus } from '../../../workflows/contracts.js';
import type { CaseRow } from '../../../db/queries/cases.js';
import type { TaskRow } from '../../../db/queries/tasks.js';
import { actorSchema, caseStage, commitmentScenario, feedbackResult, iso, licenceStatus, taskOutcome, taskStatus } from '../../schemas.js';

export const links = (no: string) => ({ self: `/v1/applications/${no}`, events: `/v1/applications/${no}/events`, decision: `/v1/applications/${no}/decision` });
const linksSchema = z.object({ self: z.string(), events: z.string(), decision: z.string() }).meta({ id: 'CaseLinks' });

export const submitted = z.object({ applicationNo: z.string(), status: caseStage, route: z.string().nullable(), routeReason: z.string().nullable(), links: linksSchema }).meta({ id: 'ApplicationAccepted', examples: [{ applicationNo: 'LYG-SPJ-2026-0001', status: 'awaiting-decision', route: 'standard', routeReason: 'standard route requested', links: { self: '/v1/applications/LYG-SPJ-2026-0001', events: '/v1/applications/LYG-SPJ-2026-0001/events', decision: '/v1/applications/LYG-SPJ-2026-0001/decision' } }] });

const deadline = z
  .object({ kind: z.string(), dueAt: z.string(), provisional: z.boolean(), overdue: z.boolean().describe('passed by the clock: the deadline is still open, so it was missed (the workflow\'s notices follow their own timers)') })
  .meta({ id: 'CaseDeadline' });
const taskSummary = z.object({
  taskId: z.string(),
  departmentCode: z.string(),
  divisionCode: z.string(),
  status: taskStatus,
  claimDueAt: z.string(),
  claimedAt: z.string().nullable(),
  claimOverdue: z.boolean(),
  feedbackDueAt: z.string().nullable(),
  result: feedbackResult.nullable(),
  outcome: taskOutcome.nullable(),
}).meta({ id: 'CaseTask' });
export const caseDetail = z.object({
  applicationNo: z.string(),
  itemCode: z.string(),
  itemVersion: z.number().int(),
  approvalDepartmentCode: z.string(),
  regionCode: z.string(),
  terms: z
    .object({
      policy: z.string(),
      unit: z.enum(['working-day', 'minute']),
      claimWindow: z.number().int(),
      feedbackWindow: z.number().int(),
      statutoryDays: z.number().int(),
      commitmentPeriod: z.number().int().nullable().describe("the policy's, else the item's own commitment period"),
    })
    .nullable()
    .describe('the item\'s terms as the case started with them: a catalog change never alters them (null: a case opened before terms were pinned)'),
  training: z.boolean().describe('a rehearsal case (培训演练): minutes for working days, its effects to the sandbox, outside live figures'),
  applicant: z.object({ creditCode: z.string(), name: z.string() }),
  stage: caseStage,
  requestedRoute: z.string(),
  route: z.string().nullable(),
  routeReason: z.string().nullable(),
  credit: z.object({ grade: z.string(), blacklisted: z.boolean(), brokenCommitments: z.number(), checkedAt: z.string() }).nullable(),
  decision: z.string().nullable(),
  decisionOpinion: z.string().nullable(),
  licenceStatus,
  commitmentScenario: commitmentScenario.nullable(),
  commitmentOutcome: z.string().nullable().describe('kept, broken, or null while open'),
  revocationReason: z.string().nullable(),
  deadlines: z.array(deadline),
  tasks: z.array(taskSummary),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  closeReason: z.string().nullable(),
  links: linksSchema,
}).meta({ id: 'Case' });
export const event = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  summary: z.string(),
  taskId: z.string().nullable(),
  actor: actorSchema,
  detail: z.record(z.string(), z.unknown()),
}).meta({ id: 'CaseEvent' });

/** The open deadlines of a case and its tasks, as the detail lists them. */
function deadlinesOf(row: CaseRow, taskRows: TaskRow[], now = Date.now()): Array<z.infer<typeof deadline>> {
  const out: Array<z.infer<typeof deadline>> = [];
  const open = (kind: string, dueAt: Date, provisional: boolean) => out.push({ kind, dueAt: dueAt.toISOString(), provisional, overdue: dueAt.getTime() < now });
  if (row.decisionDueAt && !row.decision) open('decision', row.decisionDueAt, row.decisionDueProvisional);
  if (row.commitmentDueAt && row.stage === 'awaiting-materials') open('commitment', row.commitmentDueAt, false);
  for (const t of taskRows) {
    if (!t.claimedAt) open(`claim:${t.taskId}`, t.claimDueAt, t.claimDueProvisional);
    if (t.feedbackDueAt && !t.feedbackAt) open(`feedback:${t.taskId}`, t.feedbackDueAt, t.feedbackDueProvisional);
  }
  return out;
}

function termsOf(row: CaseRow): z.infer<typeof caseDetail>['terms'] {
  const t = row.pinnedTerms;
  if (!t) return null;
  const p = t.policy;
  return { policy: p.code, unit: p.unit as 'working-day' | 'minute', claimWindow: p.claimWindow, feedbackWindow: p.feedbackWindow, statutoryDays: t.statutoryDays, commitmentPeriod: p.commitmentPeriod ?? t.commitmentPeriodDays };
}

export function detailOf(row: CaseRow, taskRows: TaskRow[], training: boolean): z.infer<typeof caseDetail> {
  return {
    applicationNo: row.applicationNo,
    itemCode: row.itemCode,
    itemVersion: row.itemVersion,
    approvalDepartmentCode: row.approvalDepartmentCode,
    regionCode: row.regionCode,
    terms: termsOf(row),
    training,
    applicant: { creditCode: row.applicantCreditCode, name: row.applicantName },
    stage: row.stage as CaseStage,
    requestedRoute: row.requestedRoute,
    route: row.route,
    routeReason: row.routeReason,
    credit: row.creditResult ?? null,
    decision: row.decision,
    decisionOpinion: row.decisionOpinion,
    licenceStatus: row.licenceStatus as LicenceStatus,
    commitmentScenario: row.commitmentScenario as CommitmentScenario | null,
    commitmentOutcome: row.commitmentOutcome,
    revocationReason: row.revocationReason,
    deadlines: deadlinesOf(row, taskRows),
    tasks: taskRows.map((t) => ({
      outcome: t.outcome as TaskOutcome | null,
      taskId: t.taskId,
      departmentCode: t.departmentCode,
      divisionCode: t.divisionCode,
      status: t.status as TaskStatus,
      claimDueAt: t.claimDueAt.toISOString(),
      claimedAt: iso(t.claimedAt),
      claimOverdue: t.claimOverdue,
      feedbackDueAt: iso(t.feedbackDueAt),
      result: t.result as FeedbackResult | null,
    })),
    createdAt: row.createdAt.toISOString(),
    closedAt: iso(row.closedAt),
    closeReason: row.closeReason,
    links: links(row.applicationNo),
  };
}
