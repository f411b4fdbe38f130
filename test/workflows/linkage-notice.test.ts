// 联动告知 of a revocation (seed 004 五(四)), on the time-skipping server: a licence granted on
// commitment (材料延期) is revoked when the materials never come; the department the case's item
// links to (LYG-SJJ, its medical-device division) gets a notice to acknowledge within the claim
// window, is reminded the working day before, is escalated at 24:00 of the last day (the head
// and the coordinating office, each once), and acknowledges late — each step on the notice's
// trail and on the case's (both sides).
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, cases, departmentNotices } from '../../db/schema/index.js';
import { FailureType, answerNoticeUpdate, decideUpdate, revocationNoticeId, revocationUpdate, type DepartmentNoticeResult } from '../../workflows/contracts.js';
import { DEMO, approver, database, foodDivision, keepHistory, refusalType, sentFor, startCaseAwaitingDecision, uniqueId, useFileWorker, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();
const taskQueue = uniqueId('tq');
useFileWorker(env, taskQueue);
const db = () => database().db;

const deferred = { itemCode: 'SP-MEDDEV-01', route: 'commitment' as const, commitment: { scenario: 'deferred-materials' as const, deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } };
const devices = { sub: 'supervision:lyg-sjj-ylqx', role: 'supervision' as const, department: DEMO.market, division: 'LYG-SJJ-YLQX' };

describe('联动告知 of a revocation', () => {
  it('goes to the linked division with a window; reminded, escalated once at the deadline, acknowledged late; on both trails', async () => {
    const { input, handle } = await startCaseAwaitingDecision(env, taskQueue, deferred);
    const no = input.applicationNo;
    const caseRow = async () => (await db().select().from(cases).where(eq(cases.applicationNo, no)))[0]!;
    await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '告知承诺', actor: approver }] });
    await waitFor(async () => (await caseRow()).commitmentDueAt !== null);
    await env.sleep((await caseRow()).commitmentDueAt!.getTime() - (await env.currentTimeMs()) + 60_000);
    await waitFor(async () => (await caseRow()).stage === 'revocation-pending');
    await handle.executeUpdate(revocationUpdate, { args: [{ actor: approver, action: 'revoke', reason: '逾期未补交材料，依法撤销' }] });
    await handle.result();

    const id = revocationNoticeId(no, DEMO.market);
    const row = async () => (await db().select().from(departmentNotices).where(eq(departmentNotices.noticeId, id)))[0];
    await waitFor(async () => (await sentFor(id)).includes(`${id}:notice:0`));
    const opened = (await row())!;
    expect(opened).toMatchObject({ kind: 'linkage', status: 'awaiting-acknowledgement', departmentCode: DEMO.market, divisionCode: 'LYG-SJJ-YLQX', applicationNo: no, originTrail: no, overdue: false });
    expect(opened.matter).toContain('逾期未补交材料');
    // Only the notices the catalogs name: the item's one linked department.
    expect((await db().select().from(departmentNotices).where(eq(departmentNotices.applicationNo, no))).map((n) => n.departmentCode)).toEqual([DEMO.market]);

    const notice = env.client.workflow.getHandle(id);
    // Another division of the department is not the addressee.
    const wrong = await notice.executeUpdate(answerNoticeUpdate, { args: [{ actor: foodDivision }] }).catch((e: unknown) => e);
    expect(refusalType(wrong)).toBe(FailureType.Forbidden);

    await env.sleep(opened.dueAt.getTime() - (await env.currentTimeMs()) + 60_000);
    const head = `${id}:escalation:0:department-head`;
    const office = `${id}:escalation:0:coordinating-office`;
    await waitFor(async () => (await sentFor(id)).includes(office));
    const sent = await sentFor(id);
    expect(sent).toEqual(expect.arrayContaining([`${id}:notice:0`, `${id}:reminder:0:${opened.dueAt.toISOString()}`, head, office]));
    expect(sent.filter((k) => k.includes(':escalation:'))).toHaveLength(2);
    expect((await row())!.overdue).toBe(true);

    const answered = await notice.executeUpdate(answerNoticeUpdate, { args: [{ actor: devices, note: '已知悉，纳入监管档案' }] });
    expect(answered).toMatchObject({ status: 'acknowledged', overdue: true });
    expect(await notice.result()).toEqual<DepartmentNoticeResult>({ noticeId: id, status: 'acknowledged', departmentCode: DEMO.market, overdue: true });
    expect((await row())!).toMatchObject({ status: 'acknowledged', answerNote: '已知悉，纳入监管档案', answeredBy: devices });

    const kinds = async (trail: string) => (await db().select().from(auditEvents).where(eq(auditEvents.applicationNo, trail)).orderBy(auditEvents.id)).map((e) => e.kind);
    expect(await kinds(id)).toEqual(['notice-raised', 'notification-sent', 'notification-sent', 'notice-overdue', 'notification-sent', 'notification-sent', 'notice-acknowledged']);
    const caseKinds = await kinds(no);
    expect(caseKinds.slice(caseKinds.indexOf('licence-revoked'))).toEqual(expect.arrayContaining(['notice-raised', 'notice-overdue', 'notice-acknowledged']));
    const [ack] = await db().select().from(auditEvents).where(eq(auditEvents.eventKey, `${no}:${id}:answered`));
    expect(ack!.summary).toMatch(/acknowledged .* by supervision:lyg-sjj-ylqx of LYG-SJJ \(after the deadline\)/);
    await keepHistory('departmentNotice/revocation-escalated-acknowledged', notice);
  });
});
