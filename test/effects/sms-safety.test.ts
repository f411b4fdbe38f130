// What an SMS may carry and what the trail shows of it: free text cannot forge the government
// signature or carry a link, phones are masked on the trail every linked division reads, and a
// delivery receipt that arrived first is never moved back to "sent".
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { renderMessage, smsParam, PARAM_MAX } from '../../activities/messages.js';
import { maskPhone } from '../../activities/notify.js';
import { auditEvents, cases, notifications } from '../../db/schema/index.js';
import { closeDatabase, database, freshCreditCode, testDeps, uniqueId } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

async function aCase(): Promise<string> {
  const no = uniqueId('SMS');
  await database().db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: '320700', applicantCreditCode: freshCreditCode(), applicantName: '某公司', applicantPhone: '13700000005', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' });
  return no;
}

describe('SMS parameters', () => {
  it('a name cannot forge the signature, carry a link or control characters', () => {
    const body = renderMessage('commitment-reminder', { applicant: '】【市公安局】您涉嫌违法，请点击http://evil.example/x 处理\u0007', materials: '质量管理制度', dueAt: '2026-12-10 24:00' });
    expect(body.match(/【/g)).toHaveLength(1);
    expect(body.startsWith('【审管联动】')).toBe(true);
    expect(body).not.toMatch(/http|evil\.example|】【/);
    expect(body.includes(String.fromCharCode(7))).toBe(false);
    expect(body).toContain('市公安局您涉嫌违法，请点击');
  });

  it('a parameter is bounded', () => {
    const long = '很'.repeat(200);
    expect([...smsParam(long)]).toHaveLength(PARAM_MAX);
    expect(smsParam(long).endsWith('…')).toBe(true);
    expect(smsParam('连云港海州食品店')).toBe('连云港海州食品店');
  });
});

describe('the trail of an SMS', () => {
  it('shows the phone masked', async () => {
    expect(maskPhone('13700000002')).toBe('137****0002');
    const no = await aCase();
    const key = `${no}:masked`;
    await createActivities(testDeps(database())).notify({ businessKey: key, recipient: { kind: 'applicant', applicationNo: no }, template: 'task-assigned', params: {}, applicationNo: no });
    const [sent] = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${key}:sent`));
    expect(sent!.summary).toContain('137****0005');
    expect(sent!.summary).not.toContain('13700000005');
  });

  it('a delivery receipt that arrived before the send was recorded keeps its status', async () => {
    const no = await aCase();
    const key = `${no}:receipt-first`;
    const deps = testDeps(database());
    // The gateway accepts and its delivery receipt reaches us before notify records the send.
    const sms = {
      send: async (m: { outId: string; phone: string; body: string }) => {
        const r = await deps.sms.send(m);
        await database().db.update(notifications).set({ status: 'delivered', deliveredAt: new Date() }).where(eq(notifications.businessKey, m.outId));
        return r;
      },
    };
    await createActivities({ ...deps, sms }).notify({ businessKey: key, recipient: { kind: 'applicant', applicationNo: no }, template: 'task-assigned', params: {}, applicationNo: no });
    const [row] = await database().db.select().from(notifications).where(eq(notifications.businessKey, key));
    expect(row).toMatchObject({ status: 'delivered' });
    expect(row!.providerMessageId).toBeTruthy();
  });
});
