// Regressions for what the schemathesis fuzz run (npm run fuzz) found: each is a clear 4xx now,
// never a 500, and a NUL character can no longer reach an activity and stall a case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { cases } from '../../db/schema/index.js';
import { WorkingCalendar, dateOf, dayOf } from '../../workflows/domain/working-days.js';
import { applicationNoOf, approver, closeDatabase, database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
const config = testConfig();
const tokens = { approver: '', arbiter: '', admin: '' };

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  tokens.approver = await tokenFor(config, approver);
  tokens.arbiter = await tokenFor(config, { sub: 'arb', role: 'arbiter', region: '320700' });
  tokens.admin = await tokenFor(config, { sub: 'admin', role: 'regional-admin', region: '320700' });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });

describe('fuzz findings', () => {
  it('a NUL character anywhere is refused with 400 and no case is started', async () => {
    const no = applicationNoOf('NUL');
    const r = await call('POST', '/v1/applications', tokens.approver, { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: 'a\u0000b', phone: '13700000001' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().detail).toBe('body.applicant.name: contains a NUL character (U+0000)');
    expect((await database().db.select({ n: count() }).from(cases).where(eq(cases.applicationNo, no)))[0]!.n).toBe(0);
    expect((await call('GET', '/v1/notifications?applicationNo=%00', await tokenFor(config, { sub: 'o', role: 'operator' }))).statusCode).toBe(400);
    const csv = await app.inject({ method: 'POST', url: '/v1/approval-items/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'text/csv' }, payload: 'code,name\nX\u0000,y\n' });
    expect(csv.statusCode).toBe(400);
  });

  it('a linkage id beyond the integer range is 400, not 500', async () => {
    const r = await call('POST', '/v1/linkages/2147483648/settle', tokens.arbiter, { decision: 'reject', note: 'x' });
    expect(r.statusCode).toBe(400);
  });

  it('an approval item in an unknown region is 422, not 500', async () => {
    const r = await call('POST', '/v1/approval-items', tokens.approver, { code: uniqueId('ITEM'), name: '事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: 'NO-SUCH', statutoryDays: 5 });
    expect(r.statusCode).toBe(422);
    expect(r.json().detail).toBe('region NO-SUCH does not exist');
  });

  it('working days before 1970 count correctly (the old modulo looped forever there)', () => {
    const c = new WorkingCalendar({ publishedYears: [], exceptions: [] });
    // Friday 1969-12-26: the next 3 working days are Mon 29, Tue 30, Wed 31.
    expect(dateOf(c.nthWorkingDayAfter(dayOf('1969-12-26'), 3))).toBe('1969-12-31');
    expect(dateOf(c.nthWorkingDayAfter(dayOf('1969-12-28'), 3))).toBe('1969-12-31');
    expect(dateOf(c.nthWorkingDayAfter(dayOf('1969-12-30'), 3))).toBe('1970-01-02');
  });
});
