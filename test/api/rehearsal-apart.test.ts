// Rehearsal (培训演练) apart from live work: a rehearsal case runs the whole loop — commitment,
// licence, untrue commitment, rectification, revocation, dishonesty record — and nothing of it
// reaches the live providers (here an HTTP provider on loopback, the worker's configured SMS,
// credit and e-licence services), live inboxes, live statistics or the enterprise's portrait;
// its SMS and credit records are kept by the embedded sandbox adapters. A live case on the same
// worker does reach the provider: the control that the provider is really wired.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq, inArray } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { createHttpCredit, createHttpElicence, createHttpHotline, createHttpSms } from '../../activities/adapters/http.js';
import { complaints, creditPlatformRecords, hotlineReplies, notifications, smsGatewayMessages } from '../../db/schema/index.js';
import { applicationNoOf, approver, database, freshCreditCode, testConfig, tokenFor, trainingApprover, trainingHousing, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('rehearsal-tq') });
let harness: ApiHarness;
let app: FastifyInstance;
let provider: Server;
const received: Array<{ path: string; body: string; key: string }> = [];
const people = {
  approver,
  trainingApprover,
  trainingHousing,
  liveHousing: { sub: 'supervision:housing', role: 'supervision', department: DEMO.housing },
  operator: { sub: 'operator:ops', role: 'operator' },
  trainingHotline: { sub: 'hotline:12345-training', role: 'hotline', hotline: '12345', region: DEMO.trainingRegion },
  hotline: { sub: 'hotline:12345-320700', role: 'hotline', hotline: '12345', region: DEMO.region },
  food: { sub: 'supervision:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
} satisfies Record<string, Principal>;
const tokens = {} as Record<keyof typeof people, string>;

/** The live provider: records every request, answers as the SMS, credit and e-licence services do. */
function startProvider(): Promise<string> {
  provider = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      received.push({ path: req.url!, body, key });
      const answer = req.url!.startsWith('/messages')
        ? { messageId: `live-${key}`, duplicate: false }
        : req.url!.startsWith('/replies')
          ? { receiptId: `live-${key}`, duplicate: false }
        : req.url!.startsWith('/records')
          ? { recordId: `live-${key}`, duplicate: false }
          : req.url!.startsWith('/profiles/')
            ? { grade: 'A', blacklisted: false, brokenCommitments: 0 }
            : { results: [] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) => provider.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(provider.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  const url = await startProvider();
  const http = { url, timeoutMs: 2_000, attempts: 2, backoffMs: 10 };
  harness = await startApiHarness(config, { sms: createHttpSms(http), credit: createHttpCredit(http), creditPlatform: createHttpCredit(http), elicence: createHttpElicence(http), hotline: createHttpHotline(http) });
  app = harness.app;
  for (const [k, p] of Object.entries(people)) tokens[k as keyof typeof people] = await tokenFor(config, p);
});
afterAll(async () => {
  await harness?.stop();
  provider?.closeAllConnections();
  await new Promise((r) => provider?.close(r));
});

const call = (method: 'GET' | 'POST', url: string, who: keyof typeof people, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}` }, payload: payload as never });

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A rehearsal case of TR-BUILD-01 (事后核查) from submission to revocation and its dishonesty record. */
async function rehearsalToRevocation(no: string, creditCode: string): Promise<string> {
  const submitted = await call('POST', '/v1/applications', 'trainingApprover', {
    applicationNo: no,
    itemCode: 'TR-BUILD-01',
    applicant: { creditCode, name: '演练建设有限公司', phone: '13700000041' },
    materials: ['施工许可申请表'],
    commitment: { scenario: 'post-verification', text: '本单位承诺已具备施工条件' },
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
  await call('POST', `/v1/applications/${no}/decision`, 'trainingApprover', { outcome: 'approve', opinion: '演练' });
  const taskId = `task-${no}.${DEMO.training.housing}`;
  await until('task pushed', async () => (await call('GET', `/v1/tasks/${taskId}`, 'trainingHousing')).statusCode === 200);
  expect((await call('POST', `/v1/tasks/${taskId}/claim`, 'trainingHousing')).statusCode).toBe(200);
  await call('POST', `/v1/tasks/${taskId}/inspection`, 'trainingHousing', { finishedAt: new Date().toISOString(), findings: '演练：措施未落实' });
  const untrue = await call('POST', `/v1/tasks/${taskId}/feedback`, 'trainingHousing', { result: 'commitment-untrue', note: '演练', rectificationDeadline: new Date(Date.now() + 3_000).toISOString() });
  expect(untrue.statusCode, untrue.body).toBe(200);
  await until('re-inspection due', async () => (await call('GET', `/v1/tasks/${taskId}`, 'trainingHousing')).json().status === 'awaiting-reinspection');
  await call('POST', `/v1/tasks/${taskId}/reinspection`, 'trainingHousing', { rectified: false, note: '演练' });
  await until('revocation pending', async () => (await call('GET', `/v1/applications/${no}`, 'trainingApprover')).json().stage === 'revocation-pending');
  expect((await call('POST', `/v1/applications/${no}/revocation`, 'trainingApprover', { reason: '演练撤销' })).statusCode).toBe(200);
  await until('closed', async () => (await call('GET', `/v1/applications/${no}`, 'trainingApprover')).json().closedAt);
  return taskId;
}

describe('a rehearsal case', () => {
  it('runs the whole loop with nothing of it at the live providers, inboxes, statistics or portrait', async () => {
    const [no, creditCode] = [applicationNoOf('REH', DEMO.training.approvalDepartment), freshCreditCode()];
    const taskId = await rehearsalToRevocation(no, creditCode);
    expect((await call('GET', `/v1/applications/${no}`, 'trainingApprover')).json()).toMatchObject({ training: true, stage: 'revoked' });

    // Its effects are in the sandbox: the SMS and the dishonesty record, kept in PostgreSQL.
    const keys = (await database().db.select({ k: notifications.businessKey }).from(notifications).where(eq(notifications.applicationNo, no))).map((n) => n.k);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect((await database().db.select().from(smsGatewayMessages).where(inArray(smsGatewayMessages.outId, keys))).length).toBe(keys.length);
    expect(await database().db.select().from(creditPlatformRecords).where(eq(creditPlatformRecords.businessKey, `${no}:credit:broken-commitment`))).toHaveLength(1);
    // And nothing at the live providers: no message, record or query of it.
    expect(received.filter((r) => r.key.includes(no) || r.body.includes(no) || r.path.includes(creditCode) || r.body.includes(creditCode))).toEqual([]);

    // Not in a live inbox, live statistics or the enterprise's portrait.
    expect((await call('GET', `/v1/tasks?creditCode=${creditCode}`, 'liveHousing')).json().items).toEqual([]);
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const live = (await call('GET', `/v1/stats/timeliness?from=${today}&to=${today}`, 'operator')).json().rows as Array<{ departmentCode: string }>;
    expect(live.map((r) => r.departmentCode)).not.toContain(DEMO.training.housing);
    const rehearsal = (await call('GET', `/v1/stats/timeliness?from=${today}&to=${today}&rehearsal=true`, 'operator')).json().rows as Array<{ departmentCode: string; received: number }>;
    expect(rehearsal.find((r) => r.departmentCode === DEMO.training.housing)!.received).toBeGreaterThanOrEqual(1);
    expect(rehearsal.map((r) => r.departmentCode).every((d) => d.startsWith('TR-'))).toBe(true);
    const portrait = await call('GET', `/v1/applicants/${creditCode}`, 'operator');
    expect(portrait.statusCode, portrait.body).toBe(200);
    expect(portrait.json()).toMatchObject({ cases: [], tasks: [], creditRecords: [] });
    expect(taskId).toContain(DEMO.training.housing);
  });

  it('while a live case on the same worker does reach the live provider (the control)', async () => {
    const [no, creditCode] = [applicationNoOf('LIVE'), freshCreditCode()];
    const submitted = await call('POST', '/v1/applications', 'approver', { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode, name: '真实食品店', phone: '13700000042' } });
    expect(submitted.statusCode, submitted.body).toBe(201);
    expect((await call('GET', `/v1/applications/${no}`, 'approver')).json().training).toBe(false);
    await call('POST', `/v1/applications/${no}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' });
    await until('claim notice at the provider', async () => received.some((r) => r.path.startsWith('/messages') && r.key === `task-${no}.${DEMO.market}:claim-notice`));
    expect(received.some((r) => r.path === `/profiles/${creditCode}`)).toBe(true);
  });

  it('a rehearsal complaint: its task SMS and its reply stay in the sandbox; a live one reaches the live hotline (the control)', async () => {
    const reply = { outcome: 'unsubstantiated', text: '演练答复' };
    const run = async (hotline: 'trainingHotline' | 'hotline', itemCode: string, division: 'trainingHousing' | 'food', department: string) => {
      const ticketId = uniqueId('GD').replace(/-/g, '');
      const filed = await call('POST', '/v1/complaints', hotline, { source: '12345', ticketId, enterprise: { creditCode: freshCreditCode(), name: '演练投诉对象' }, matter: '演练投诉', itemCode });
      expect(filed.statusCode, filed.body).toBe(201);
      const { complaintNo, taskId } = filed.json() as { complaintNo: string; taskId: string };
      expect(taskId).toBe(`task-${complaintNo}.${department}`);
      await until('task pushed', async () => (await call('GET', `/v1/tasks/${taskId}`, division)).statusCode === 200);
      expect((await call('POST', `/v1/tasks/${taskId}/claim`, division)).statusCode).toBe(200);
      expect((await call('POST', `/v1/complaints/${complaintNo}/reply`, division, reply)).statusCode).toBe(200);
      await until('reply sent', async () => (await database().db.select().from(complaints).where(eq(complaints.complaintNo, complaintNo)))[0]?.replySentAt);
      return complaintNo;
    };
    const rehearsal = await run('trainingHotline', 'TR-BUILD-01', 'trainingHousing', DEMO.training.housing);
    expect(await database().db.select().from(hotlineReplies).where(eq(hotlineReplies.businessKey, `${rehearsal}:reply`))).toHaveLength(1);
    expect(received.filter((r) => r.key.includes(rehearsal) || r.body.includes(rehearsal))).toEqual([]);
    const live = await run('hotline', 'SP-FOOD-01', 'food', DEMO.market);
    expect(received.filter((r) => r.path === '/replies' && r.key === `${live}:reply`)).toHaveLength(1);
    expect(received.some((r) => r.path.startsWith('/messages') && r.key === `task-${live}.${DEMO.market}:claim-notice`)).toBe(true);
  });
});
