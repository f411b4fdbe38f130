// One 事后核查 (post-verification) case end to end on the real dev server, with the training
// deadline policy: licence at once → commitment found untrue → rectification order → re-inspection
// at its deadline → not rectified → revocation requested through the case → revoked by the
// approval department → 联动告知 and a broken commitment in the credit archive (诚信档案). Every
// call goes through the typed client generated from the contract (client/index.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { type Principal } from '../../api/auth.js';
import { creditProfiles, creditRecords, notifications } from '../../db/schema/index.js';
import { applicationNoOf, trainingApprover, trainingHousing, database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO, waitForValue } from '../helpers.js';
import type { ApiClient } from '../../client/index.js';
import { startApiHarness, typedClient, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('loop-tq') });
// The rehearsal region's item, worked by the rehearsal region's own departments (培训演练 apart).
const housing: Principal = trainingHousing;
/** The typed client as the approval department, the supervising division, and another division. */
let api: Record<'approver' | 'housing' | 'otherDivision', ApiClient>;

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  api = {
    approver: typedClient(app, await tokenFor(config, trainingApprover)),
    housing: typedClient(app, await tokenFor(config, housing)),
    otherDivision: typedClient(app, await tokenFor(config, { ...housing, sub: 'supervision:other', division: 'TR-ZJJ-OTHER' })),
  };
});
afterAll(() => harness?.stop());

const caseOf = (applicationNo: string) => ({ params: { path: { applicationNo } } });
const taskOf = (taskId: string) => ({ params: { path: { taskId } } });
/** What a refusal says, for an assertion's message. */
const said = (r: { error?: unknown }) => JSON.stringify(r.error);
describe('事后核查 through revocation, on the dev server', () => {
  it('revokes through the approval side and records the broken commitment', async () => {
    const creditCode = freshCreditCode();
    const no = applicationNoOf('LOOP', DEMO.training.approvalDepartment);
    const created = await api.approver.POST('/v1/applications', {
      body: {
        applicationNo: no,
        itemCode: 'TR-BUILD-01',
        applicant: { creditCode, name: '演练建设有限公司', phone: '13700000021' },
        materials: ['施工许可申请表'],
        commitment: { scenario: 'post-verification', text: '本单位承诺已具备施工条件' },
      },
    });
    expect(created.response.status, said(created)).toBe(201);
    expect(created.data).toMatchObject({ route: 'commitment' });

    const decided = await api.approver.POST('/v1/applications/{applicationNo}/decision', { ...caseOf(no), body: { outcome: 'approve', opinion: '告知承诺，当场发证' } });
    expect(decided.data).toMatchObject({ licenceStatus: 'issued', stage: 'licensed' });

    const taskId = `task-${no}.${DEMO.training.housing}`;
    await waitForValue('task pushed', async () => (await api.housing.GET('/v1/tasks/{taskId}', taskOf(taskId))).response.status === 200);
    expect((await api.housing.POST('/v1/tasks/{taskId}/claim', taskOf(taskId))).response.status).toBe(200);
    const inspected = await api.housing.POST('/v1/tasks/{taskId}/inspection', { ...taskOf(taskId), body: { finishedAt: new Date().toISOString(), findings: '现场核查：安全施工措施未落实' } });
    expect(inspected.response.status, said(inspected)).toBe(200);
    const untrue = await api.housing.POST('/v1/tasks/{taskId}/feedback', {
      ...taskOf(taskId),
      body: { result: 'commitment-untrue', note: '承诺内容与实际不符', rectificationDeadline: new Date(Date.now() + 3_000).toISOString() },
    });
    expect(untrue.response.status, said(untrue)).toBe(200);
    expect(untrue.data).toMatchObject({ status: 'rectifying', rectificationRound: 1 });

    // At the rectification deadline the re-inspection falls due.
    await waitForValue('re-inspection due', async () => (await api.housing.GET('/v1/tasks/{taskId}', taskOf(taskId))).data?.status === 'awaiting-reinspection');
    expect((await api.otherDivision.POST('/v1/tasks/{taskId}/reinspection', { ...taskOf(taskId), body: { rectified: false } })).response.status).toBe(403);
    const failed = await api.housing.POST('/v1/tasks/{taskId}/reinspection', { ...taskOf(taskId), body: { rectified: false, note: '逾期仍未整改' } });
    expect(failed.data).toMatchObject({ status: 'closed', outcome: 'revocation-requested' });

    // Supervision cannot revoke; the approval department does, once the case has it pending.
    expect((await api.housing.POST('/v1/applications/{applicationNo}/revocation', { ...caseOf(no), body: { reason: 'x' } })).response.status).toBe(403);
    await waitForValue('revocation pending', async () => (await api.approver.GET('/v1/applications/{applicationNo}', caseOf(no))).data?.stage === 'revocation-pending');
    const revoked = await api.approver.POST('/v1/applications/{applicationNo}/revocation', { ...caseOf(no), body: { reason: '承诺不实且逾期未整改，依法撤销' } });
    expect(revoked.response.status, said(revoked)).toBe(200);
    expect(revoked.data).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked' });
    expect((await api.approver.POST('/v1/applications/{applicationNo}/revocation', { ...caseOf(no), body: { reason: 'again' } })).response.status).toBe(409);

    const closed = await waitForValue('case closed', async () => {
      const { data } = await api.approver.GET('/v1/applications/{applicationNo}', caseOf(no));
      return data?.closedAt ? data : null;
    });
    expect(closed).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked', commitmentOutcome: 'broken' });

    const [record] = await database().db.select().from(creditRecords).where(eq(creditRecords.businessKey, `${no}:credit:broken-commitment`));
    expect(record).toMatchObject({ creditCode, kind: 'broken-commitment', status: 'accepted' });
    const [profile] = await database().db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, creditCode));
    expect(profile!.brokenCommitments).toBe(1);
    // 联动告知: the linked department gets a notice to acknowledge (docs/notices.md), told by SMS in the sandbox.
    const noticeId = `notice-rev-${no}.${DEMO.training.housing}`;
    const told = await waitForValue('the revocation notice', async () => (await database().db.select().from(notifications).where(and(eq(notifications.applicationNo, noticeId), eq(notifications.template, 'notice-linkage')))).map((n) => n.businessKey));
    expect(told).toEqual([`${noticeId}:notice:0`]);
    const acked = await api.housing.POST('/v1/notices/{noticeId}/acknowledge', { params: { path: { noticeId } }, body: { note: '已知悉' } });
    expect(acked.response.status, said(acked)).toBe(200);
    expect(acked.data).toMatchObject({ status: 'acknowledged', departmentCode: DEMO.training.housing });
    const kinds = (await api.approver.GET('/v1/applications/{applicationNo}/events', caseOf(no))).data!.items.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['rectification-ordered', 'reinspection-due', 'reinspection', 'result-received', 'revocation-pending', 'licence-revoked', 'credit-record', 'case-closed']));

    // The untrue commitment (承诺不实, 失信) now bars the applicant from commitment approval.
    const next = await api.approver.POST('/v1/applications', {
      body: {
        applicationNo: applicationNoOf('LOOP', DEMO.training.approvalDepartment),
        itemCode: 'TR-BUILD-01',
        applicant: { creditCode, name: '演练建设有限公司', phone: '13700000021' },
        commitment: { scenario: 'post-verification', text: '再次承诺' },
      },
    });
    expect(next.data).toMatchObject({ route: 'standard', routeReason: 'standard route: the applicant is on the dishonesty list (失信/黑名单)' });
  });
});
