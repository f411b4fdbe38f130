// 受理: the case enters the read model with the catalog version it starts with, and the
// applicant's credit standing is asked before anyone decides (审批事前信用查询).
import { ApplicationFailure } from '@temporalio/activity';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import { preparedPerDb } from '../../db/client.js';
import { approvalItems, cases } from '../../db/schema/index.js';
import { confirmedLinkagesColumn } from '../../db/catalog.js';
import { itemTerms } from '../../db/policies.js';
import type { PinnedTerms } from '../../db/schema/cases.js';
import { FailureType, type ApprovalCaseInput } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { workflowIdOrNull, writeWithStepOnce } from '../steps.js';
import { adapterFor } from '../sandbox.js';
import { commitmentRestrictions } from '../../db/queries/leniency.js';

/** The item and the linkages that route it now, in one statement. */
const itemWithLinkages = preparedPerDb((db) =>
  db
    .select({ ...getTableColumns(approvalItems), pinned: confirmedLinkagesColumn(approvalItems.code) })
    .from(approvalItems)
    .where(eq(approvalItems.code, sql.placeholder('code')))
    .prepare('item_with_linkages'),
);

type CaseOpening = Record<'applicationNo' | 'workflowId' | 'itemCode' | 'department' | 'region' | 'creditCode' | 'name' | 'phone' | 'route' | 'requestHash' | 'submittedBy', string> & {
  pinned: (typeof cases.$inferInsert)['pinnedLinkages'];
  terms: PinnedTerms;
  itemVersion: number;
  now: Date;
};
const caseOpened = writeWithStepOnce<CaseOpening>((db, p) =>
  db
    .insert(cases)
    .values({
      pinnedLinkages: p('pinned'),
      pinnedTerms: p('terms'),
      applicationNo: p('applicationNo'),
      workflowId: p('workflowId'),
      itemCode: p('itemCode'),
      itemVersion: p('itemVersion'),
      approvalDepartmentCode: p('department'),
      regionCode: p('region'),
      applicantCreditCode: p('creditCode'),
      applicantName: p('name'),
      applicantPhone: p('phone'),
      requestedRoute: p('route'),
      requestHash: p('requestHash'),
      stage: 'credit-check',
      submittedBy: p('submittedBy'),
      createdAt: p('now'),
      updatedAt: p('now'),
    })
    .onConflictDoNothing(),
);
const creditChecked = writeWithStepOnce<{ result: NonNullable<(typeof cases.$inferInsert)['creditResult']>; now: Date; applicationNo: string }>((db, p) =>
  db.update(cases).set({ creditResult: p('result'), updatedAt: p('now') }).where(eq(cases.applicationNo, p('applicationNo'))),
);

/** Registers the case in the read model with the catalog version it starts with. */
export async function openCase({ db, clock }: Ctx, input: ApprovalCaseInput) {
  const [item] = await itemWithLinkages(db).execute({ code: input.itemCode });
  if (!item) throw ApplicationFailure.create({ type: FailureType.CatalogError, message: `approval item ${input.itemCode} not found`, nonRetryable: true });
  const now = clock();
  // The case keeps the catalog version it starts with: its item version, the linkages that
  // route it then (DOMAIN.md §2) and the item's terms — deadline policy, commitment period,
  // statutory days. A later catalog change never alters it.
  const { policy: { updatedAt: _at, ...policy }, commitmentPeriodDays } = await itemTerms(db, item.code);
  await caseOpened(
    db,
    {
      pinned: item.pinned,
      terms: { policy, commitmentPeriodDays, statutoryDays: item.statutoryDays },
      applicationNo: input.applicationNo,
      workflowId: workflowIdOrNull() ?? `case-${input.applicationNo}`,
      itemCode: item.code,
      itemVersion: item.version,
      department: item.departmentCode,
      region: item.regionCode,
      creditCode: input.applicant.creditCode,
      name: input.applicant.name,
      phone: input.applicant.phone,
      route: input.route,
      requestHash: input.requestHash,
      submittedBy: input.submittedBy.sub,
      now,
    },
    {
      key: `${input.applicationNo}:submitted`,
      applicationNo: input.applicationNo,
      kind: 'submitted',
      summary: `application accepted for ${item.name}${item.subItem ? ` / ${item.subItem}` : ''}`,
      actor: input.submittedBy,
      detail: { itemCode: item.code, itemVersion: item.version, requestedRoute: input.route, materials: input.materials },
    },
    now,
  );
  return {
    itemName: item.name,
    itemVersion: item.version,
    approvalDepartmentCode: item.departmentCode,
    regionCode: item.regionCode,
    statutoryDays: item.statutoryDays,
    commitmentAllowed: item.commitmentAllowed,
    commitmentScenarios: item.commitmentScenarios,
    verifiableMaterials: item.verifiableMaterials,
    commitmentMinimumGrade: item.commitmentMinimumGrade as 'A' | 'B' | 'C' | 'D',
  };
}

const caseDepartment = preparedPerDb((db) => db.select({ department: cases.approvalDepartmentCode }).from(cases).where(eq(cases.applicationNo, sql.placeholder('no'))).prepare('case_approval_department'));

/**
 * The joint-punishment measures (联合惩戒) in force on the applicant that this case's approval
 * department implements and that bar 告知承诺: one more fact of the pre-check, from our records.
 */
async function restrictionsOn(ctx: Ctx, applicationNo: string, creditCode: string, now: Date) {
  const [c] = await caseDepartment(ctx.db).execute({ no: applicationNo });
  if (!c) return [];
  const rows = await commitmentRestrictions(ctx.db, creditCode, c.department, now);
  return rows.map((r) => ({ measureCode: r.measureCode, name: r.name, decisionNo: r.decisionNo, endsAt: r.endsAt.toISOString() }));
}

/** 审批事前信用查询: asks the credit platform and files the answer on the case, with the joint punishments in force. */
export async function creditPreCheck(ctx: Ctx, input: { applicationNo: string; creditCode: string }) {
  const { db, clock } = ctx;
  const platform = await (await adapterFor(ctx, input.applicationNo, 'credit')).query(input.creditCode);
  const now = clock();
  const jointPunishments = await restrictionsOn(ctx, input.applicationNo, input.creditCode, now);
  const standing = { ...platform, ...(jointPunishments.length > 0 && { jointPunishments }) };
  const result = { ...standing, checkedAt: now.toISOString() };
  const measures = jointPunishments.length > 0 ? `; under joint punishment (联合惩戒): ${jointPunishments.map((m) => m.measureCode).join(', ')}` : '';
  const summary = `credit pre-check: grade ${standing.grade}${standing.blacklisted ? ', on the dishonesty list' : ''}, ${standing.brokenCommitments} broken commitment(s)${measures}`;
  await creditChecked(db, { result, now, applicationNo: input.applicationNo }, { key: `${input.applicationNo}:credit-checked`, applicationNo: input.applicationNo, kind: 'credit-checked', summary, detail: result }, now);
  return standing;
}

export const registration = { openCase, creditPreCheck };
