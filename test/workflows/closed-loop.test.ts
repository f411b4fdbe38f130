// Each branch of the loop on the time-skipping server, with reminders and escalations checked
// at their exact times, and refusals of the wrong party and the wrong state.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { approvalItems, cases, creditRecords, elicenceRecords, tasks } from '../../db/schema/index.js';
import { dossierOf } from '../../db/queries/dossiers.js';
import { loadCalendarData } from '../../db/calendar.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import {
  FailureType,
  caseStateQuery,
  decideUpdate,
  materialsUpdate,
  revocationUpdate,
} from '../../workflows/contracts.js';
import { DEMO, approver, caseInput, useTimeSkippingEnv, useFileWorker, sentFor, refusalType, startCaseAwaitingDecision, database, keepHistory, uniqueId, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();
const taskQueue = uniqueId('tq');
useFileWorker(env, taskQueue);

const db = () => database().db;

const withWorker = (fn: (taskQueue: string) => Promise<void>) => fn(taskQueue);

const caseRow = async (no: string) => (await db().select().from(cases).where(eq(cases.applicationNo, no)))[0]!;

describe('standard route', () => {
  it('reminds the approval department the working day before the statutory deadline and marks it overdue at 24:00', async () => {
    await withWorker(async (tq) => {
      const { input, handle } = await startCaseAwaitingDecision(env, tq, { itemCode: 'SP-FOOD-01' });
      const no = input.applicationNo;
      const row = await caseRow(no);
      const calendar = new WorkingCalendar(await loadCalendarData(db()));
      const due = row.decisionDueAt!;
      const remindAt = calendar.reminderBefore(new Date(due.getTime() - 1).toISOString().slice(0, 10)).getTime();
      // SP-FOOD-01 is decided within 10 working days, counted from routing.
      expect(due.toISOString()).toBe(calendar.deadline(row.createdAt, 10).dueAt.toISOString());

      await env.sleep(remindAt - (await env.currentTimeMs()) - 60_000);
      expect(await sentFor(no)).toEqual([]);
      await env.sleep(120_000);
      await waitFor(async () => (await sentFor(no)).includes(`${no}:decision-reminder:${due.toISOString()}`));
      await env.sleep(due.getTime() - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await db().select().from(cases).where(eq(cases.applicationNo, no)))[0]!.stage === 'awaiting-decision' && (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
      const events = await database().sql`select kind from audit_events where application_no = ${no}`;
      await waitFor(async () => (await database().sql`select 1 from audit_events where event_key = ${`${no}:decision-overdue`}`).length === 1);
      // The ladder's last step: the approval department's head is told, once.
      await waitFor(async () => (await sentFor(no)).includes(`${no}:decision-overdue:notice`));
      expect(events.length).toBeGreaterThan(0);
      // A late decision is still taken.
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'reject', opinion: '材料不符合要求', actor: approver }] });
      expect((await handle.result()).outcome).toBe('rejected');
      await keepHistory('approvalCase/standard-decision-overdue-rejected', handle);
    });
  });
});

describe('材料延期 (deferred materials)', () => {
  const deferred = { itemCode: 'SP-MEDDEV-01', route: 'commitment' as const, commitment: { scenario: 'deferred-materials' as const, deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } };

  it('reminds the applicant at 09:00 the calendar day before (截止前一天); materials in time issue the licence and push the dossier', async () => {
    await withWorker(async (tq) => {
      const { input, handle } = await startCaseAwaitingDecision(env, tq, deferred);
      const no = input.applicationNo;
      expect((await handle.query(caseStateQuery)).route).toBe('commitment');
      const decided = await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '告知承诺，准予许可', actor: approver }] });
      expect(decided).toMatchObject({ licenceStatus: 'granted-on-commitment', stage: 'awaiting-materials' });
      await waitFor(async () => (await caseRow(no)).commitmentDueAt !== null);
      const due = (await caseRow(no)).commitmentDueAt!;
      // 09:00 Asia/Shanghai of the calendar day before the last day: 24:00 of the last day less 39 h.
      const remindAt = due.getTime() - 39 * 3_600_000;

      await env.sleep(remindAt - (await env.currentTimeMs()) - 60_000);
      expect((await sentFor(no)).filter((k) => k.includes('commitment-reminder'))).toEqual([]);
      await env.sleep(120_000);
      await waitFor(async () => (await sentFor(no)).includes(`${no}:commitment-reminder:${due.toISOString()}`));

      const wrongDept = await handle.executeUpdate(materialsUpdate, { args: [{ materials: [{ name: '质量管理制度' }], actor: { ...approver, department: 'OTHER' } }] }).catch((e: unknown) => e);
      expect(refusalType(wrongDept)).toBe(FailureType.Forbidden);
      await handle.executeUpdate(materialsUpdate, { args: [{ materials: [{ name: '质量管理制度' }], actor: approver }] });
      await waitFor(async () => (await db().select().from(tasks).where(eq(tasks.applicationNo, no))).length === 1);
      expect(await caseRow(no)).toMatchObject({ licenceStatus: 'issued', commitmentOutcome: 'kept' });
      expect((await db().select().from(creditRecords).where(eq(creditRecords.businessKey, `${no}:credit:commitment-kept`)))[0]).toMatchObject({ kind: 'commitment-kept', status: 'accepted' });
      await keepHistory('approvalCase/deferred-materials-kept', handle);
    });
  });

  it('overdue: the approval department is told, may extend once, and revokes; the dishonesty goes to the credit platform', async () => {
    await withWorker(async (tq) => {
      const { input, handle } = await startCaseAwaitingDecision(env, tq, deferred);
      const no = input.applicationNo;
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '告知承诺', actor: approver }] });
      await waitFor(async () => (await caseRow(no)).commitmentDueAt !== null);
      const due = (await caseRow(no)).commitmentDueAt!;
      const early = await handle.executeUpdate(revocationUpdate, { args: [{ actor: approver, action: 'revoke', reason: '太早' }] }).catch((e: unknown) => e);
      expect(refusalType(early)).toBe(FailureType.InvalidState);

      await env.sleep(due.getTime() - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await caseRow(no)).stage === 'revocation-pending');
      expect(await sentFor(no)).toContain(`${no}:commitment-overdue:1`);
      expect((await caseRow(no)).commitmentOutcome).toBe('broken');

      const newDeadline = new Date((await env.currentTimeMs()) + 5 * 86_400_000).toISOString();
      await handle.executeUpdate(revocationUpdate, { args: [{ actor: approver, action: 'extend', reason: '企业申请延期，理由正当', newDeadline }] });
      await waitFor(async () => (await caseRow(no)).stage === 'awaiting-materials');
      expect((await caseRow(no)).commitmentDueAt!.toISOString()).toBe(newDeadline);

      await env.sleep(Date.parse(newDeadline) - (await env.currentTimeMs()) + 60_000);
      await waitFor(async () => (await caseRow(no)).stage === 'revocation-pending');
      const r = await handle.executeUpdate(revocationUpdate, { args: [{ actor: approver, action: 'revoke', reason: '逾期未补交材料，依法撤销' }] });
      expect(r).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked' });
      expect((await handle.result()).closeReason).toMatch(/revoked/);
      expect((await db().select().from(creditRecords).where(eq(creditRecords.businessKey, `${no}:credit:dishonesty`)))[0]).toMatchObject({ kind: 'dishonesty', status: 'accepted' });
      expect(await db().select().from(tasks).where(eq(tasks.applicationNo, no))).toHaveLength(0);
      await keepHistory('approvalCase/deferred-materials-extended-revoked', handle);
    });
  });
});

describe('材料核验 (verification)', () => {
  const verification = (material: string) => ({ itemCode: 'SP-PUBHEALTH-01', route: 'commitment' as const, commitment: { scenario: 'verification' as const, deferredMaterials: [material], text: '承诺卫生检测报告真实有效' } });

  it('stays on the commitment route when the e-licences match, and falls back to the standard route with the reason when not', async () => {
    await withWorker(async (tq) => {
      const ok = caseInput(verification('卫生检测报告'));
      // Valid for a year from the server's now (earlier tests in this file have moved its clock on).
      const validUntil = new Date((await env.currentTimeMs()) + 365 * 86_400_000).toISOString().slice(0, 10);
      await db().insert(elicenceRecords).values({ creditCode: ok.applicant.creditCode, material: '卫生检测报告', licenceNo: 'WS-2026-001', validUntil });
      const { handle } = await startCaseAwaitingDecision(env, tq, ok);
      const okState = await handle.query(caseStateQuery);
      expect(okState, JSON.stringify(okState)).toMatchObject({ route: 'commitment' });
      // The dossier pushed to supervision shows each check with its licence (its source: e-licences).
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '材料核验通过', actor: approver }] });
      await waitFor(async () => (await dossierOf(db(), ok.applicationNo)) !== undefined);
      expect((await dossierOf(db(), ok.applicationNo))!.verified).toMatchObject({ allOk: true, results: [{ material: '卫生检测报告', ok: true, licenceNo: 'WS-2026-001' }] });
      await keepHistory('approvalCase/verification-matched', handle);

      const { handle: mismatch } = await startCaseAwaitingDecision(env, tq, verification('卫生检测报告'));
      const state = await mismatch.query(caseStateQuery);
      expect(state.route).toBe('standard');
      expect(state.routeReason).toBe('standard route: e-licence verification failed (no e-licence for 卫生检测报告)');

      // An item that names no verifiable material verifies nothing: an empty list never passes.
      const bare = uniqueId('VERIFY');
      await db().insert(approvalItems).values({ code: bare, name: '无核验清单事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: 10, commitmentAllowed: true, commitmentScenarios: ['verification'] });
      const { handle: empty } = await startCaseAwaitingDecision(env, tq, { ...verification('卫生检测报告'), itemCode: bare });
      expect((await empty.query(caseStateQuery)).routeReason).toBe('standard route: the item names no material verifiable against e-licences (材料核验)');
    });
  });
});
