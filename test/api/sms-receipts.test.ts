// Delivery receipts from the SMS provider: delivered and failed are recorded; a failed task SMS
// is escalated through the task's workflow; the endpoint takes only the provider's shared secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { notifications } from '../../db/schema/index.js';
import { Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { approver, closedPort, database, freshCreditCode, testClient, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
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
  const no = uniqueId('RCPT');
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
});
