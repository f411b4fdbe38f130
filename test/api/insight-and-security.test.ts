// Statistics from a seeded set of tasks with known times give exactly the expected figures;
// the portrait and the outbox read the read model; tokens that are not ours get 401; a client
// over the rate limit gets 429; every answer carries security headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { SignJWT } from 'jose';
import { readFile } from 'node:fs/promises';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { cases, creditRecords, departments, divisions, notifications, tasks } from '../../db/schema/index.js';
import { approver, closeDatabase, database, freshCreditCode, testConfig, tokenFor, uniqueId, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
const config = testConfig();
const tokens = { operator: '', admin: '', otherAdmin: '', approver: '', supervision: '' };

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
  tokens.admin = await tokenFor(config, { sub: 'admin', role: 'regional-admin', region: '320700' });
  tokens.otherAdmin = await tokenFor(config, { sub: 'admin2', role: 'regional-admin', region: '320100' });
  tokens.approver = await tokenFor(config, approver);
  tokens.supervision = await tokenFor(config, { sub: 's', role: 'supervision', department: 'LYG-SJJ', division: 'LYG-SJJ-SPJY' });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const at = (shanghai: string) => new Date(`${shanghai}+08:00`);

describe('timeliness statistics (考核督查)', () => {
  it('count exactly what the seeded tasks say', async () => {
    const { db } = database();
    const dept = uniqueId('STAT');
    const [divA, divB] = [`${dept}-A`, `${dept}-B`];
    await db.insert(departments).values({ code: dept, name: '统计测试局', regionCode: '320700', side: 'supervision' });
    await db.insert(divisions).values([
      { code: divA, departmentCode: dept, name: 'A处', adminName: 'a', adminPhone: '13800000001' },
      { code: divB, departmentCode: dept, name: 'B处', adminName: 'b', adminPhone: '13800000002' },
    ]);
    const no = uniqueId('STATCASE');
    await db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: '320700', applicantCreditCode: freshCreditCode(), applicantName: 'x', applicantPhone: '13700000000', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' });
    // November 2025, weekdays only; claim deadlines 3 working days after the push.
    const task = (n: number, division: string, pushed: string, due: string, claimed: string | null, feedbackDue: string | null = null, feedback: string | null = null) => ({
      taskId: `task-${no}.${n}`,
      applicationNo: no,
      originNo: no,
      departmentCode: dept,
      divisionCode: division,
      regionCode: '320700',
      applicantCreditCode: 'x',
      status: claimed ? 'claimed' : 'awaiting-claim',
      pushedAt: at(pushed),
      claimDueAt: at(due),
      claimedAt: claimed ? at(claimed) : null,
      feedbackDueAt: feedbackDue ? at(feedbackDue) : null,
      feedbackAt: feedback ? at(feedback) : null,
    });
    await db.insert(tasks).values([
      // A: Mon 10:00 push, claimed Mon 12:00 (2 working h), on time; feedback on time.
      task(1, divA, '2025-11-03T10:00:00', '2025-11-07T00:00:00', '2025-11-03T12:00:00', '2025-11-14T00:00:00', '2025-11-12T10:00:00'),
      // A: Fri 18:00 push, claimed Mon 06:00 → 6 h on Friday + 6 h on Monday = 12 working h; on time; feedback late.
      task(2, divA, '2025-11-07T18:00:00', '2025-11-13T00:00:00', '2025-11-10T06:00:00', '2025-11-18T00:00:00', '2025-11-19T09:00:00'),
      // A: claimed after its deadline: Mon 00:00 push, Fri 00:00 claim = 96 working h; feedback overdue (none yet, past due).
      task(3, divA, '2025-11-10T00:00:00', '2025-11-13T00:00:00', '2025-11-14T00:00:00', '2025-11-20T00:00:00'),
      // A: never claimed, deadline passed.
      task(4, divA, '2025-11-11T09:00:00', '2025-11-15T00:00:00', null),
      // B: one on time, claimed after 1 h.
      task(5, divB, '2025-11-04T09:00:00', '2025-11-08T00:00:00', '2025-11-04T10:00:00'),
      // Outside the period: not counted.
      task(6, divB, '2025-12-01T09:00:00', '2025-12-04T00:00:00', null),
    ]);
    const r = await get(`/v1/stats/timeliness?from=2025-11-01&to=2025-11-30&departmentCode=${dept}`, tokens.operator);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().rows).toEqual([
      { departmentCode: dept, divisionCode: divA, received: 4, claimedOnTime: 2, claimedLate: 1, unclaimedPastDeadline: 1, unclaimedOpen: 0, medianClaimWorkingHours: 12, feedbackOnTime: 1, feedbackLate: 1, feedbackOverdue: 1 },
      { departmentCode: dept, divisionCode: divB, received: 1, claimedOnTime: 1, claimedLate: 0, unclaimedPastDeadline: 0, unclaimedOpen: 0, medianClaimWorkingHours: 1, feedbackOnTime: 0, feedbackLate: 0, feedbackOverdue: 0 },
    ]);
    // A regional admin of another region sees none of it; of this region, the same rows.
    expect((await get(`/v1/stats/timeliness?from=2025-11-01&to=2025-11-30&departmentCode=${dept}`, tokens.otherAdmin)).json().rows).toEqual([]);
    expect((await get(`/v1/stats/timeliness?from=2025-11-01&to=2025-11-30&departmentCode=${dept}`, tokens.admin)).json().rows).toHaveLength(2);
    expect((await get('/v1/stats/timeliness?from=2025-11-30&to=2025-11-01', tokens.operator)).statusCode).toBe(400);
    expect((await get('/v1/stats/timeliness?from=2025-11-01&to=2025-11-30', tokens.supervision)).statusCode).toBe(403);
  });
});

describe('applicant portrait and outbox', () => {
  it('show cases, commitments and credit records; the outbox shows messages with their keys', async () => {
    const { db } = database();
    const code = freshCreditCode();
    const no = uniqueId('PORT');
    await db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-BUILD-01', itemVersion: 1, approvalDepartmentCode: 'LYG-SPJ', regionCode: '320700', applicantCreditCode: code, applicantName: '画像测试公司', applicantPhone: '13700000000', requestedRoute: 'commitment', route: 'commitment', requestHash: 'h', stage: 'revoked', submittedBy: 'test', commitmentScenario: 'post-verification', commitmentOutcome: 'broken', licenceStatus: 'revoked' });
    await db.insert(creditRecords).values({ businessKey: `${no}:credit:broken-commitment`, creditCode: code, kind: 'broken-commitment', applicationNo: no, summary: '承诺不实', detail: {}, status: 'accepted' });
    await db.insert(notifications).values({ businessKey: `${no}:test-sms`, recipientPhone: '13800000011', template: 'task-assigned', body: 'x', applicationNo: no, status: 'sent' });
    const p = await get(`/v1/applicants/${code}`, tokens.approver);
    expect(p.statusCode, p.body).toBe(200);
    // Only those with a part in the enterprise see it: to the rest it does not exist.
    expect((await get(`/v1/applicants/${code}`, tokens.admin)).statusCode).toBe(200);
    expect((await get(`/v1/applicants/${code}`, tokens.operator)).statusCode).toBe(200);
    for (const stranger of [tokens.supervision, tokens.otherAdmin]) {
      const hidden = await get(`/v1/applicants/${code}`, stranger);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).not.toContain('画像测试公司');
    }
    expect(p.json()).toMatchObject({ creditCode: code, name: '画像测试公司', commitments: { kept: 0, broken: 1, open: 0 }, cases: [{ applicationNo: no, licenceStatus: 'revoked' }], creditRecords: [{ kind: 'broken-commitment' }] });
    const wrongCheck = code.endsWith('X') ? 'Y' : 'X'; // a check character the code does not have
    expect((await get(`/v1/applicants/${code.slice(0, 17)}${wrongCheck}`, tokens.approver)).statusCode).toBe(400);
    const outbox = await get(`/v1/notifications?applicationNo=${no}`, tokens.operator);
    expect(outbox.json()).toMatchObject({ total: 1, items: [{ businessKey: `${no}:test-sms`, status: 'sent' }] });
    expect((await get('/v1/notifications', tokens.approver)).statusCode).toBe(403);
    expect((await get('/v1/notifications?limit=1000', tokens.operator)).statusCode).toBe(400);
  });
});

describe('tokens', () => {
  it('refuse a wrong algorithm, issuer, audience, signature, or an expired token with 401', async () => {
    const key = new TextEncoder().encode((await readFile(config.env.JWT_DEV_KEY_FILE, 'utf8')).trim());
    const sign = (alg: string, claims: { iss?: string; aud?: string; exp?: number }) =>
      new SignJWT({ role: 'operator' }).setProtectedHeader({ alg }).setSubject('x').setIssuer(claims.iss ?? config.env.JWT_ISSUER).setAudience(claims.aud ?? config.env.JWT_AUDIENCE).setIssuedAt().setExpirationTime(claims.exp ?? '1h').sign(key);
    const cases = {
      algorithm: await sign('HS512', {}),
      issuer: await sign('HS256', { iss: 'someone-else' }),
      audience: await sign('HS256', { aud: 'another-service' }),
      expired: await sign('HS256', { exp: Math.floor(Date.now() / 1000) - 60 }),
      signature: (await sign('HS256', {})).slice(0, -4) + 'AAAA',
    };
    for (const [what, token] of Object.entries(cases)) {
      const r = await get('/v1/notifications', token);
      expect(r.statusCode, what).toBe(401);
      expect(r.json().type, what).toBe('urn:shenguan:problem:unauthorized');
    }
    const missingClaims = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(config.env.JWT_ISSUER).setAudience(config.env.JWT_AUDIENCE).setExpirationTime('1h').sign(key);
    expect((await get('/v1/notifications', missingClaims)).json().detail).toMatch(/role/);
    expect((await get('/v1/notifications', tokens.operator)).statusCode).toBe(200);
  });

  it('require exp (a token without one would be good forever) and tolerate a little clock skew', async () => {
    const key = new TextEncoder().encode((await readFile(config.env.JWT_DEV_KEY_FILE, 'utf8')).trim());
    const base = () => new SignJWT({ role: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(config.env.JWT_ISSUER).setAudience(config.env.JWT_AUDIENCE).setIssuedAt();
    const forever = await get('/v1/notifications', await base().sign(key));
    expect(forever.statusCode).toBe(401);
    expect(forever.json().detail).toMatch(/exp/);
    // JWT_CLOCK_TOLERANCE_S is 30 by default: 10 s past exp still passes, 60 s does not (above).
    expect((await get('/v1/notifications', await base().setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key))).statusCode).toBe(200);
  });
});

describe('hardening', () => {
  it('answers with security headers and refuses an oversize body with 413', async () => {
    const r = await get('/healthz', tokens.operator);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(r.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['content-security-policy']).toBeUndefined();
    // Error answers carry them too.
    const refused = await app.inject({ method: 'GET', url: '/v1/notifications' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject({ method: 'GET', url: '/no-such-route' })).headers['x-frame-options']).toBe('SAMEORIGIN');
    const big = await app.inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${tokens.approver}`, 'content-type': 'application/json' }, payload: JSON.stringify({ applicationNo: 'X-1', itemCode: 'SP-FOOD-01', materials: ['x'.repeat(300_000)] }) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toMatch(/problem\+json/);
    expect((await app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('limits the rate per client with a 429', async () => {
    const limited = await buildApp({ config: testConfig({ RATE_LIMIT_MAX: '5' }), database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode);
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const r = await limited.inject({ method: 'GET', url: '/healthz' });
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      expect(r.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('limits a verified caller by its subject, not by the address it shares with others', async () => {
    const verifier = await createVerifier(config);
    const limited = await buildApp({ config: testConfig({ RATE_LIMIT_MAX: '5' }), database: database(), temporal: testClient(connection), verifier });
    try {
      const [a, b] = await Promise.all(['clerk-a', 'clerk-b'].map((sub) => tokenFor(config, { sub, role: 'operator' })));
      const six = async (token: string) => {
        const codes: number[] = [];
        for (let i = 0; i < 6; i++) codes.push((await limited.inject({ method: 'GET', url: '/v1/notifications', headers: { authorization: `Bearer ${token}` } })).statusCode);
        return codes;
      };
      // Each token's first call counts against the address (not verified yet), the rest against its subject.
      expect(await six(a!)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await six(b!)).toEqual([200, 200, 200, 200, 200, 200]);
      expect((await limited.inject({ method: 'GET', url: '/v1/notifications', headers: { authorization: `Bearer ${a!}` } })).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('takes the client address from X-Forwarded-For only with TRUST_PROXY', async () => {
    const run = async (trust: string) => {
      const limited = await buildApp({ config: testConfig({ RATE_LIMIT_MAX: '2', TRUST_PROXY: trust }), database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
      try {
        const from = async (ip: string) => (await limited.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-for': ip } })).statusCode;
        return [await from('203.0.113.1'), await from('203.0.113.1'), await from('203.0.113.1'), await from('203.0.113.2')];
      } finally {
        await limited.close();
      }
    };
    expect(await run('true')).toEqual([200, 200, 429, 200]);
    expect(await run('false')).toEqual([200, 200, 429, 429]);
  });

  it('counts requests with bad tokens too: the limit answers before the token check', async () => {
    const limited = await buildApp({ config: testConfig({ RATE_LIMIT_MAX: '5' }), database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await limited.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: 'Bearer not-a-token' } })).statusCode);
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
