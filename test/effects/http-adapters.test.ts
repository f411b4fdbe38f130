// The HTTP adapters against a local HTTP server that records every request: the business key
// goes out as the idempotency key (and as out_id), transient failures and timeouts are retried,
// permanent rejections are not, and the activities never send an effect twice.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import { createHttpCredit, createHttpElicence, createHttpHotline, createHttpSms, PROVIDER_REJECTED, TransientProviderError } from '../../activities/adapters/http.js';
import { createActivities } from '../../activities/index.js';
import { auditEvents, cases, creditRecords, notifications } from '../../db/schema/index.js';
import { closeDatabase, database, freshCreditCode, testDeps, uniqueId } from '../helpers.js';

interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | null;
}
let server: Server;
let url = '';
let requests: Recorded[] = [];
/** The next answers, in order; when empty: 200 with a provider's normal answer. */
let script: Array<{ status: number; delayMs?: number }> = [];
const accepted = new Set<string>();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const next = script.shift() ?? { status: 200 };
      setTimeout(() => {
        if (res.destroyed) return;
        if (next.status !== 200) return res.writeHead(next.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `scripted ${next.status}` }));
        const key = String(req.headers['idempotency-key'] ?? '');
        const duplicate = key !== '' && accepted.has(key);
        accepted.add(key);
        const answer = req.url!.startsWith('/messages')
          ? { messageId: `msg-${key}`, duplicate }
          : req.url!.startsWith('/records')
            ? { recordId: `rec-${key}`, duplicate }
            : req.url!.startsWith('/replies')
              ? { receiptId: `rcpt-${key}`, duplicate }
            : req.url!.startsWith('/profiles/')
              ? { grade: 'A', blacklisted: false, brokenCommitments: 0 }
              : { results: ((body?.materials as string[]) ?? []).map((m) => ({ material: m, ok: m !== '假证明' })) };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }, next.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await closeDatabase();
});
beforeEach(() => {
  requests = [];
  script = [];
});

const cfg = () => ({ url, apiKey: 'secret-key', timeoutMs: 300, attempts: 3, backoffMs: 10 });

describe('HTTP adapters', () => {
  it('send the business key as out_id and idempotency key, with the API key', async () => {
    const r = await createHttpSms(cfg()).send({ outId: 'task-x:claim-notice', phone: '13800000011', body: '你好' });
    expect(r).toEqual({ providerMessageId: 'msg-task-x:claim-notice', duplicate: false });
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/messages', body: { outId: 'task-x:claim-notice', phone: '13800000011', body: '你好' } });
    expect(requests[0]!.headers).toMatchObject({ 'idempotency-key': 'task-x:claim-notice', authorization: 'Bearer secret-key' });
  });

  it("send a complaint's reply to the hotline under its business key, which the hotline de-duplicates", async () => {
    const reply = { businessKey: `C12345-${uniqueId('GD')}:reply`, source: '12345', ticketId: 'GD1', outcome: 'substantiated', text: '已责令整改', department: 'LYG-SJJ', repliedAt: new Date().toISOString() };
    expect(await createHttpHotline(cfg()).reply(reply)).toEqual({ receiptId: `rcpt-${reply.businessKey}`, duplicate: false });
    expect(await createHttpHotline(cfg()).reply(reply)).toEqual({ receiptId: `rcpt-${reply.businessKey}`, duplicate: true });
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/replies', body: reply });
    expect(requests[0]!.headers).toMatchObject({ 'idempotency-key': reply.businessKey, authorization: 'Bearer secret-key' });
  });

  it('retry transient failures (503, 429, timeout) and then succeed', async () => {
    script = [{ status: 503 }, { status: 429 }];
    await createHttpCredit(cfg()).push({ businessKey: 'k-transient', creditCode: 'c', kind: 'revocation', summary: 's', detail: {} });
    expect(requests.map((r) => r.path)).toEqual(['/records', '/records', '/records']);
    requests = [];
    script = [{ status: 200, delayMs: 1000 }];
    const checks = await createHttpElicence(cfg()).verify({ creditCode: 'c', materials: ['卫生检测报告', '假证明'], at: new Date('2026-11-24T00:00:00Z') });
    expect(checks).toEqual([{ material: '卫生检测报告', ok: true }, { material: '假证明', ok: false }]);
    expect(requests).toHaveLength(2); // the first timed out after 300 ms
    // 408 and 425 say "not now", not "never".
    requests = [];
    script = [{ status: 408 }, { status: 425 }];
    await createHttpCredit(cfg()).push({ businessKey: 'k-not-now', creditCode: 'c', kind: 'revocation', summary: 's', detail: {} });
    expect(requests).toHaveLength(3);
  });

  it('give a transient failure to Temporal when every attempt fails, and a non-retryable one for a rejection', async () => {
    script = [{ status: 500 }, { status: 500 }, { status: 500 }];
    await expect(createHttpSms(cfg()).send({ outId: 'k-500', phone: '1', body: 'b' })).rejects.toBeInstanceOf(TransientProviderError);
    script = [{ status: 400 }];
    const err = await createHttpSms(cfg()).send({ outId: 'k-400', phone: '1', body: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: PROVIDER_REJECTED, nonRetryable: true });
    expect(requests.filter((r) => r.body?.outId === 'k-400')).toHaveLength(1);
  });
});

describe('activities over HTTP adapters', () => {
  async function aCase() {
    const no = uniqueId('HTTP');
    await database().db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: '320700', applicantCreditCode: freshCreditCode(), applicantName: '某公司', applicantPhone: '13700000005', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' });
    return no;
  }
  const acts = () => createActivities({ ...testDeps(database()), sms: createHttpSms(cfg()), creditPlatform: createHttpCredit(cfg()) });

  it('a notify retried after the provider accepted sends nothing twice in effect', async () => {
    const no = await aCase();
    const key = `${no}:test-notice`;
    // The provider accepted, then the worker died before marking the message sent.
    await createHttpSms(cfg()).send({ outId: key, phone: '13700000005', body: 'x' });
    const r = await acts().notify({ businessKey: key, recipient: { kind: 'applicant', applicationNo: no }, template: 'task-assigned', params: {}, applicationNo: no });
    expect(r.status).toBe('sent');
    const again = await acts().notify({ businessKey: key, recipient: { kind: 'applicant', applicationNo: no }, template: 'task-assigned', params: {}, applicationNo: no });
    expect(again).toMatchObject({ status: 'sent', resent: false });
    expect((await database().db.select().from(notifications).where(eq(notifications.businessKey, key))).length).toBe(1);
    // Two requests reached the provider with the same key; it answered the second as a duplicate.
    expect(requests.filter((q) => q.headers['idempotency-key'] === key)).toHaveLength(2);
    expect(accepted.has(key)).toBe(true);
  });

  it('escalateClaim retried after its second notice failed marks once and sends each notice once in effect', async () => {
    const no = await aCase();
    const taskId = `task-${no}.LYG-SJJ`;
    const claimDueAt = '2026-11-20T16:00:00.000Z';
    const notices = [
      { businessKey: `${taskId}:claim-escalation`, recipient: { kind: 'department-head' as const, departmentCode: 'LYG-SJJ' }, template: 'claim-escalation' as const, params: { division: 'D', applicant: 'A', taskId, claimDue: 'x' }, applicationNo: no, taskId },
      { businessKey: `${taskId}:claim-escalation:coordinating-office`, recipient: { kind: 'coordinating-office' as const, regionCode: '320700' }, template: 'claim-escalation' as const, params: { division: 'D', applicant: 'A', taskId, claimDue: 'x' }, applicationNo: no, taskId },
    ];
    // The first notice goes out; the gateway is down for every attempt of the second.
    script = [{ status: 200 }, { status: 503 }, { status: 503 }, { status: 503 }];
    await expect(acts().escalateClaim({ taskId, applicationNo: no, claimDueAt, notices })).rejects.toBeInstanceOf(TransientProviderError);
    // Temporal retries the activity.
    const sent = await acts().escalateClaim({ taskId, applicationNo: no, claimDueAt, notices });
    expect(sent.notices.map((n) => n.status)).toEqual(['sent', 'sent']);
    expect(await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${taskId}:claim-overdue`))).toHaveLength(1);
    for (const n of notices) expect(await database().db.select().from(notifications).where(eq(notifications.businessKey, n.businessKey))).toHaveLength(1);
    // The first notice reached the gateway once; the second once per attempt until it got through.
    expect(requests.filter((q) => q.headers['idempotency-key'] === notices[0]!.businessKey)).toHaveLength(1);
    expect(requests.filter((q) => q.headers['idempotency-key'] === notices[1]!.businessKey)).toHaveLength(4);
  });

  it('a permanent SMS rejection is not retried and is visible on the case', async () => {
    const no = await aCase();
    script = [{ status: 422 }];
    const key = `${no}:rejected-notice`;
    const r = await acts().notify({ businessKey: key, recipient: { kind: 'applicant', applicationNo: no }, template: 'task-assigned', params: {}, applicationNo: no });
    expect(r.status).toBe('failed');
    expect((await database().db.select().from(notifications).where(eq(notifications.businessKey, key)))[0]).toMatchObject({ status: 'failed' });
    const [event] = await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${key}:failed`));
    expect(event!.summary).toMatch(/refused by the gateway/);
    expect(requests).toHaveLength(1);
  });

  it('a permanent credit-platform rejection is recorded as rejected, once', async () => {
    const no = await aCase();
    script = [{ status: 400 }];
    const key = `${no}:credit:revocation`;
    const input = { businessKey: key, creditCode: freshCreditCode(), kind: 'revocation' as const, applicationNo: no, summary: '撤销' };
    expect((await acts().pushCreditRecord(input)).status).toBe('rejected');
    expect((await acts().pushCreditRecord(input)).status).toBe('rejected');
    expect(requests).toHaveLength(1);
    expect((await database().db.select().from(creditRecords).where(eq(creditRecords.businessKey, key)))[0]).toMatchObject({ status: 'rejected' });
    expect((await database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, `${key}:rejected`)))).toHaveLength(1);
  });
});
