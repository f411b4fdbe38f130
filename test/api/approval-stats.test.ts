// The approval side's figures (考核督查): decisions within the statutory limit and revocation
// decisions within theirs, per approval department, for a period. Rows inserted as the loop
// leaves them (cases with their deadlines, the trail's revocation steps) under a department of
// this file's own, so other files' cases do not count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../../api/auth.js';
import { auditEvents, cases, departments } from '../../db/schema/index.js';
import { database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('appstats-tq') });
const DEPT = uniqueId('STAT-SPJ');
const TRAINING_DEPT = uniqueId('TSTAT-SPJ');
let harness: ApiHarness;
let app: FastifyInstance;
const people = {
  operator: { sub: 'operator:ops', role: 'operator' },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
  approver: { sub: 'approval:x', role: 'approval', department: DEPT },
} satisfies Record<string, Principal>;
const tokens = {} as Record<keyof typeof people, string>;
const at = (s: string) => new Date(`${s}+08:00`);

async function caseRow(no: string, dept: string, region: string, created: string, due: string, decided: string | null) {
  await database().db.insert(cases).values({
    applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: dept, regionCode: region,
    applicantCreditCode: freshCreditCode(), applicantName: '统计测试', applicantPhone: '13700000050', requestedRoute: 'auto', requestHash: 'h',
    stage: decided ? 'supervising' : 'awaiting-decision', submittedBy: 'test', createdAt: at(created), decisionDueAt: at(due), decidedAt: decided ? at(decided) : null,
  });
}
const step = (no: string, key: string, kind: string, when: string, detail: Record<string, unknown> = {}) =>
  database().db.insert(auditEvents).values({ eventKey: `${no}:${key}`, applicationNo: no, kind, summary: kind, actor: { sub: 'test', role: 'system' }, detail, at: at(when) });

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const [k, p] of Object.entries(people)) tokens[k as keyof typeof people] = await tokenFor(config, p);
  await database().db.insert(departments).values([
    { code: DEPT, name: '统计测试审批局', regionCode: DEMO.region, side: 'approval' },
    { code: TRAINING_DEPT, name: '统计测试演练审批局', regionCode: DEMO.trainingRegion, side: 'approval' },
  ]);
  const n = (k: string) => `${DEPT}-${k}`;
  await caseRow(n('ON'), DEPT, DEMO.region, '2026-03-02T10:00:00', '2026-03-16T24:00:00', '2026-03-10T10:00:00');
  await caseRow(n('LATE'), DEPT, DEMO.region, '2026-03-03T10:00:00', '2026-03-17T24:00:00', '2026-03-19T10:00:00');
  await caseRow(n('PAST'), DEPT, DEMO.region, '2026-03-04T10:00:00', '2026-03-18T24:00:00', null);
  await caseRow(n('OPEN'), DEPT, DEMO.region, '2026-03-05T10:00:00', '2099-01-01T24:00:00', null);
  await caseRow(n('APRIL'), DEPT, DEMO.region, '2026-04-02T10:00:00', '2026-04-16T24:00:00', null); // outside the period
  await caseRow(`${TRAINING_DEPT}-1`, TRAINING_DEPT, DEMO.trainingRegion, '2026-03-02T10:00:00', '2026-03-02T10:10:00', '2026-03-02T10:05:00');
  // Revocations: decided late; decided within a deadline a calendar import moved; never decided.
  await step(n('ON'), 'revocation:t1', 'revocation-pending', '2026-03-20T10:00:00', { dueAt: at('2026-03-27T24:00:00').toISOString() });
  await step(n('ON'), 'revoked', 'licence-revoked', '2026-03-30T10:00:00');
  await step(n('LATE'), 'revocation-commitment:1', 'revocation-pending', '2026-03-20T10:00:00', { dueAt: at('2026-03-27T24:00:00').toISOString() });
  await step(n('LATE'), 'retimed:revocation:9', 'deadline-moved', '2026-03-21T10:00:00', { window: 'revocation', to: at('2026-03-31T24:00:00').toISOString() });
  await step(n('LATE'), 'commitment-extended:1', 'commitment-extended', '2026-03-30T10:00:00');
  await step(n('PAST'), 'revocation:t3', 'revocation-pending', '2026-03-20T10:00:00', { dueAt: at('2026-03-27T24:00:00').toISOString() });
});
afterAll(() => harness?.stop());

const read = (who: keyof typeof people, query = '') =>
  app.inject({ method: 'GET', url: `/v1/stats/approval-timeliness?from=2026-03-01&to=2026-03-31${query}`, headers: { authorization: `Bearer ${tokens[who]}` } });

describe('approval timeliness', () => {
  it('counts decisions and revocation decisions on time, late and past their deadline, per approval department', async () => {
    const r = await read('operator');
    expect(r.statusCode, r.body).toBe(200);
    const row = (r.json().rows as Array<{ departmentCode: string }>).find((x) => x.departmentCode === DEPT);
    expect(row).toEqual({
      departmentCode: DEPT,
      received: 4,
      decidedOnTime: 1,
      decidedLate: 1,
      undecidedPastDeadline: 1,
      undecidedOpen: 1,
      revocationsPending: 3,
      revocationsDecidedOnTime: 1,
      revocationsDecidedLate: 1,
      revocationsUndecidedPastDeadline: 1,
    });
  });

  it('leaves rehearsal out of live figures, and scopes a regional admin to its region', async () => {
    const live = (await read('operator')).json().rows.map((x: { departmentCode: string }) => x.departmentCode);
    expect(live).not.toContain(TRAINING_DEPT);
    const rehearsal = (await read('operator', '&rehearsal=true')).json().rows.map((x: { departmentCode: string }) => x.departmentCode);
    expect(rehearsal).toContain(TRAINING_DEPT);
    expect(rehearsal).not.toContain(DEPT);
    expect((await read('admin')).json().rows.map((x: { departmentCode: string }) => x.departmentCode)).toContain(DEPT);
    expect((await read('otherAdmin')).json().rows).toEqual([]);
    expect((await read('approver')).statusCode).toBe(403);
  });
});
