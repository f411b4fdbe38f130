// One 事后核查 (post-verification) case end to end on the real dev server, with the training
// deadline policy: licence at once → commitment found untrue → rectification order → re-inspection
// at its deadline → not rectified → revocation requested through the case → revoked by the
// approval department → 联动告知 and a broken commitment in the credit archive (诚信档案).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { and, eq } from 'drizzle-orm';
import { type Principal } from '../../api/auth.js';
import { creditProfiles, creditRecords, notifications } from '../../db/schema/index.js';
import { applicationNoOf, trainingApprover, trainingHousing, database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('loop-tq') });
// The rehearsal region's item, worked by the rehearsal region's own departments (培训演练 apart).
const housing: Principal = trainingHousing;
const tokens = { approver: '', housing: '', otherDivision: '' };

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.approver = await tokenFor(config, trainingApprover);
  tokens.housing = await tokenFor(config, housing);
  tokens.otherDivision = await tokenFor(config, { ...housing, sub: 'supervision:other', division: 'TR-ZJJ-OTHER' });
});
afterAll(() => harness?.stop());

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });
async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('事后核查 through revocation, on the dev server', () => {
  it('revokes through the approval side and records the broken commitment', async () => {
    const creditCode = freshCreditCode();
    const no = applicationNoOf('LOOP', DEMO.training.approvalDepartment);
    const created = await call('POST', '/v1/applications', tokens.approver, {
      applicationNo: no,
      itemCode: 'TR-BUILD-01',
      applicant: { creditCode, name: '演练建设有限公司', phone: '13700000021' },
      materials: ['施工许可申请表'],
      commitment: { scenario: 'post-verification', text: '本单位承诺已具备施工条件' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ route: 'commitment' });

    const decided = await call('POST', `/v1/applications/${no}/decision`, tokens.approver, { outcome: 'approve', opinion: '告知承诺，当场发证' });
    expect(decided.json()).toMatchObject({ licenceStatus: 'issued', stage: 'licensed' });

    const taskId = `task-${no}.${DEMO.training.housing}`;
    await waitFor('task pushed', async () => (await call('GET', `/v1/tasks/${taskId}`, tokens.housing)).statusCode === 200);
    expect((await call('POST', `/v1/tasks/${taskId}/claim`, tokens.housing)).statusCode).toBe(200);
    expect((await call('POST', `/v1/tasks/${taskId}/inspection`, tokens.housing, { finishedAt: new Date().toISOString(), findings: '现场核查：安全施工措施未落实' })).statusCode).toBe(200);
    const untrue = await call('POST', `/v1/tasks/${taskId}/feedback`, tokens.housing, {
      result: 'commitment-untrue',
      note: '承诺内容与实际不符',
      rectificationDeadline: new Date(Date.now() + 3_000).toISOString(),
    });
    expect(untrue.statusCode, untrue.body).toBe(200);
    expect(untrue.json()).toMatchObject({ status: 'rectifying', rectificationRound: 1 });

    // At the rectification deadline the re-inspection falls due.
    await waitFor('re-inspection due', async () => (await call('GET', `/v1/tasks/${taskId}`, tokens.housing)).json().status === 'awaiting-reinspection');
    expect((await call('POST', `/v1/tasks/${taskId}/reinspection`, tokens.otherDivision, { rectified: false })).statusCode).toBe(403);
    const failed = await call('POST', `/v1/tasks/${taskId}/reinspection`, tokens.housing, { rectified: false, note: '逾期仍未整改' });
    expect(failed.json()).toMatchObject({ status: 'closed', outcome: 'revocation-requested' });

    // Supervision cannot revoke; the approval department does, once the case has it pending.
    expect((await call('POST', `/v1/applications/${no}/revocation`, tokens.housing, { reason: 'x' })).statusCode).toBe(403);
    await waitFor('revocation pending', async () => (await call('GET', `/v1/applications/${no}`, tokens.approver)).json().stage === 'revocation-pending');
    const revoked = await call('POST', `/v1/applications/${no}/revocation`, tokens.approver, { reason: '承诺不实且逾期未整改，依法撤销' });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked' });
    expect((await call('POST', `/v1/applications/${no}/revocation`, tokens.approver, { reason: 'again' })).statusCode).toBe(409);

    const closed = await waitFor('case closed', async () => {
      const c = (await call('GET', `/v1/applications/${no}`, tokens.approver)).json();
      return c.closedAt ? c : null;
    });
    expect(closed).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked', commitmentOutcome: 'broken' });

    const [record] = await database().db.select().from(creditRecords).where(eq(creditRecords.businessKey, `${no}:credit:broken-commitment`));
    expect(record).toMatchObject({ creditCode, kind: 'broken-commitment', status: 'accepted' });
    const [profile] = await database().db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, creditCode));
    expect(profile!.brokenCommitments).toBe(1);
    const told = await database().db.select().from(notifications).where(and(eq(notifications.applicationNo, no), eq(notifications.template, 'revocation-notice')));
    expect(told.map((n) => n.businessKey)).toEqual([`${no}:revocation-notice:${DEMO.training.housing}`]);
    const kinds = (await call('GET', `/v1/applications/${no}/events`, tokens.approver)).json().items.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['rectification-ordered', 'reinspection-due', 'reinspection', 'result-received', 'revocation-pending', 'licence-revoked', 'credit-record', 'case-closed']));

    // The untrue commitment (承诺不实, 失信) now bars the applicant from commitment approval.
    const next = await call('POST', '/v1/applications', tokens.approver, {
      applicationNo: applicationNoOf('LOOP', DEMO.training.approvalDepartment),
      itemCode: 'TR-BUILD-01',
      applicant: { creditCode, name: '演练建设有限公司', phone: '13700000021' },
      commitment: { scenario: 'post-verification', text: '再次承诺' },
    });
    expect(next.json()).toMatchObject({ route: 'standard', routeReason: 'standard route: the applicant is on the dishonesty list (失信/黑名单)' });
  });
});
