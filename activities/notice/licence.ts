// 后置审批: the licence that closes a registration notice (docs/notices.md).
import { and, eq, inArray } from 'drizzle-orm';
import { cases, departmentNotices } from '../../db/schema/index.js';
import { noticeLicensedSignal } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { recordStep } from '../steps.js';
import { recordBoth } from './holder.js';

/**
 * 后置审批 done: the holder's licence for the credit code and item answers its registration
 * notices — claimed, or still waiting (then the notice's workflow is told, and stops waiting).
 * Called by the activities that issue a licence; keyed per notice, so a retry writes nothing twice.
 */
export async function closeNoticesByLicence(ctx: Ctx, applicationNo: string): Promise<void> {
  const { db } = ctx;
  const [c] = await db.select().from(cases).where(eq(cases.applicationNo, applicationNo));
  if (!c) return;
  const now = ctx.clock();
  const open = await db
    .select()
    .from(departmentNotices)
    .where(and(eq(departmentNotices.kind, 'registration'), eq(departmentNotices.creditCode, c.applicantCreditCode), eq(departmentNotices.departmentCode, c.approvalDepartmentCode), eq(departmentNotices.itemCode, c.itemCode), inArray(departmentNotices.status, ['awaiting-claim', 'claimed'])));
  for (const r of open) {
    await db.transaction(async (tx) => {
      await tx.update(departmentNotices).set({ status: 'licensed', licensedApplicationNo: applicationNo, licensedAt: now, updatedAt: now }).where(eq(departmentNotices.noticeId, r.noticeId));
      const summary = `licensed: ${c.approvalDepartmentCode} issued the licence of ${c.itemCode} to ${c.applicantCreditCode} in case ${applicationNo}${r.status === 'awaiting-claim' ? ' (before the notice was claimed)' : ''}; 后置审批 done`;
      await recordBoth(tx, r, { key: 'licensed', kind: 'notice-licensed', summary, detail: { applicationNo } }, now);
      await recordStep(tx, { key: `${applicationNo}:notice-licensed:${r.noticeId}`, applicationNo, kind: 'notice-licensed', summary: `the licence answers registration notice ${r.noticeId} (双告知)`, detail: { noticeId: r.noticeId } }, now);
    });
    if (r.status === 'awaiting-claim') await ctx.temporal?.workflow.getHandle(r.noticeId).signal(noticeLicensedSignal, { applicationNo }).catch(() => undefined);
  }
}
