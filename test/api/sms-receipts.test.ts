// Delivery receipts from the SMS provider: delivered and failed are recorded; a failed task SMS
// is escalated through the task's workflow; the endpoint takes only the provider's shared secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { auditEvents, notifications, smsGatewayMessages } from '../../db/schema/index.js';
import { Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { applicationNoOf, approver, closedPort, database, freshCreditCode, testClient, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

const SECRET = 'receipt-secret-0123456789';
let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('sms-tq'), SMS_RECEIPT_TOKEN: SECRET });

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
});
afterAll(() => harness?.stop());

const receipts = (body: unknown, token = SECRET) => app.inject({ method: 'POST', url: '/v1/sms/receipts', headers: { 'x-receipt-token': token }, payload: body as never });
const row = async (key: string) => (await database().db.select().from(notifications).where(eq(notifications.businessKey, key)))[0];

/** A case approved through the API whose task's assignment SMS has gone out. */
async function approvedWithNoticeSent(name: string, phone: string) {
  const token = await tokenFor(config, approver);
  const no = applicationNoOf('RCPT');
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });
  expect((await post('/v1/applications', { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name, phone } })).statusCode).toBe(201);
  await post(`/v1/applications/${no}/decision`, { outcome: 'approve', opinion: '准予许可' });
  const id = `task-${no}.${DEMO.market}`;
  const notice = `${id}:claim-notice`;
  for (let i = 0; i < 200 && (await row(notice))?.status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 100));
  return { id, notice };
}

describe('SMS delivery receipts', () => {
  it('record delivery, escalate a failed task SMS, and refuse a wrong secret', async () => {
    const { id, notice } = await approvedWithNoticeSent('回执测试', '13700000031');

    expect((await receipts({ receipts: [{ outId: notice, status: 'failed', at: new Date().toISOString() }] }, 'wrong-secret-0123456789')).statusCode).toBe(401);
    expect((await row(notice))!.status).toBe('sent');

    const r = await receipts({ receipts: [
      { outId: notice, status: 'failed', at: new Date().toISOString(), error: 'UNDELIV' },
      { outId: 'no-such-message', status: 'delivered', at: new Date().toISOString() },
    ] });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ updated: 1, unknown: ['no-such-message'], escalated: 1 });
    expect(await row(notice)).toMatchObject({ status: 'failed', error: 'UNDELIV' });
    // On the case's trail (全程留痕), once, with the number masked.
    const trail = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${notice}:receipt:failed`));
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ kind: 'notification-undelivered', taskId: id });
    expect(trail[0]!.summary).toMatch(/to 陈处长 138\*{4}0011: not delivered \(UNDELIV\)/);
    for (let i = 0; i < 200 && !(await row(`${id}:notice-failed`)); i++) await new Promise((r2) => setTimeout(r2, 100));
    expect(await row(`${id}:notice-failed`)).toMatchObject({ recipientPhone: '13900000002' });

    // The same failure reported again changes nothing and escalates nothing twice.
    expect((await receipts({ receipts: [{ outId: notice, status: 'failed', at: new Date().toISOString() }] })).json()).toEqual({ updated: 0, unknown: [], escalated: 0 });
    const head = `${id}:notice-failed`;
    expect((await receipts({ receipts: [{ outId: head, status: 'delivered', at: '2026-11-24T10:00:00+08:00' }] })).json().updated).toBe(1);
    expect(await row(head)).toMatchObject({ status: 'delivered' });
  });

  it('a failed task SMS whose task cannot be told is not recorded: the provider sends it again, and then it escalates', async () => {
    const { id, notice } = await approvedWithNoticeSent('回执测试二', '13700000032');
    // The same API, but Temporal cannot be reached: the signal fails.
    const cut = testConfig({ SMS_RECEIPT_TOKEN: SECRET, TEMPORAL_CONNECT_TIMEOUT_MS: '0' });
    const unreachable = await buildApp({ config: cut, database: database(), temporal: testClient(Connection.lazy({ address: `127.0.0.1:${await closedPort()}` })), verifier: await createVerifier(cut) });
    try {
      const failed = { receipts: [{ outId: notice, status: 'failed', at: new Date().toISOString(), error: 'UNDELIV' }] };
      const r = await unreachable.inject({ method: 'POST', url: '/v1/sms/receipts', headers: { 'x-receipt-token': SECRET }, payload: failed });
      expect(r.statusCode).toBeGreaterThanOrEqual(500);
      expect((await row(notice))!.status).toBe('sent');
      // The provider sends it again once we can be reached: recorded, and the task escalates.
      expect((await receipts(failed)).json()).toEqual({ updated: 1, unknown: [], escalated: 1 });
      for (let i = 0; i < 200 && !(await row(`${id}:notice-failed`)); i++) await new Promise((r2) => setTimeout(r2, 100));
      expect(await row(`${id}:notice-failed`)).toBeTruthy();
    } finally {
      await unreachable.close();
    }
  });

  it('an operator re-sends a message that failed for good (补发): once, under its own key, on the trail with who and why', async () => {
    const { notice } = await approvedWithNoticeSent('补发测试', '13700000033');
    const operator = await tokenFor(config, { sub: 'operator:ops', role: 'operator' });
    const clerk = await tokenFor(config, approver);
    const resend = (key: string, body: unknown, token = operator) =>
      app.inject({ method: 'POST', url: `/v1/notifications/${encodeURIComponent(key)}/resend`, headers: { authorization: `Bearer ${token}` }, payload: body as never });
    const gateway = async (outId: string) => database().db.select().from(smsGatewayMessages).where(eq(smsGatewayMessages.outId, outId));

    // Sent and on its way: not sent again.
    expect((await resend(notice, { reason: '未收到' })).statusCode).toBe(409);
    await receipts({ receipts: [{ outId: notice, status: 'failed', at: new Date().toISOString(), error: 'UNDELIV' }] });
    expect((await resend(notice, { reason: '未收到' }, clerk)).statusCode).toBe(403);
    expect((await resend('no-such-message', { reason: '未收到' })).statusCode).toBe(404);
    expect((await resend(notice, { reason: '' })).statusCode).toBe(400);

    const first = await resend(notice, { reason: '号码有误，已核实新号码', phone: '13700000034' });
    expect(first.statusCode, first.body).toBe(201);
    const key = `${notice}:resend-1`;
    expect(first.json()).toEqual({ businessKey: key, originalKey: notice, status: 'sent' });
    expect(await row(key)).toMatchObject({ status: 'sent', recipientPhone: '13700000034', body: (await row(notice))!.body, taskId: (await row(notice))!.taskId });
    expect(await gateway(key)).toHaveLength(1);
    // While the re-send is on its way, neither message is sent again.
    expect((await resend(notice, { reason: '再发' })).statusCode).toBe(409);
    expect((await resend(key, { reason: '再发' })).statusCode).toBe(409);
    // On the case's trail: who, why, to a masked number; the failure it answers.
    const [step] = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${key}:requested`));
    expect(step).toMatchObject({ kind: 'notification-resent', actor: { sub: 'operator:ops', role: 'operator' } });
    expect(step!.summary).toContain('re-sent by operator:ops to 137****0034');
    expect(step!.summary).toContain('号码有误');
    expect(step!.summary).not.toContain('13700000034');

    // It failed too: the next re-send is the second, of the same message.
    await receipts({ receipts: [{ outId: key, status: 'failed', at: new Date().toISOString(), error: 'UNDELIV' }] });
    const second = await resend(key, { reason: '再次补发' });
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json().businessKey).toBe(`${notice}:resend-2`);
    expect(await row(`${notice}:resend-2`)).toMatchObject({ recipientPhone: '13700000034' });

    // The outbox shows the numbers masked.
    const outbox = (await app.inject({ method: 'GET', url: `/v1/notifications?applicationNo=${encodeURIComponent((await row(notice))!.applicationNo!)}`, headers: { authorization: `Bearer ${operator}` } })).json();
    const phones = outbox.items.map((n: { recipientPhone: string }) => n.recipientPhone);
    expect(phones).toContain('137****0034');
    expect(phones.every((p: string) => p === '' || /^\d{3}\*{4}\d{4}$/.test(p))).toBe(true);
  });
});

