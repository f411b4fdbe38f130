// The inbox (GET /v1/tasks): every filter, alone and combined, the scoping by token (a division,
// a department head, an operator), paging and its order, and the total — over read-model rows
// of one applicant written straight into PostgreSQL. Each combination of filters is its own
// prepared statement (db/queries/tasks.ts), so each combination is asked for here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { cases, tasks } from '../../db/schema/index.js';
import { database, foodDivision, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('inbox-tq') });
const tokens: Record<string, string> = {};
const creditCode = freshCreditCode();
const applicationNo = uniqueId('INBOX');
const otherApplicationNo = uniqueId('INBOX');
const equipmentDivision = 'LYG-SJJ-TZSB';

type Row = { taskId: string; applicationNo: string; division: string; status: string; overdue: boolean; minute: number };
// One applicant's tasks: two divisions of the market department, one of health; pushed a minute apart.
const rows: Row[] = [
  { taskId: `${applicationNo}-1`, applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', overdue: false, minute: 1 },
  { taskId: `${applicationNo}-2`, applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', overdue: true, minute: 2 },
  { taskId: `${applicationNo}-3`, applicationNo, division: DEMO.marketFoodDivision, status: 'claimed', overdue: true, minute: 3 },
  { taskId: `${applicationNo}-4`, applicationNo, division: DEMO.marketFoodDivision, status: 'closed', overdue: false, minute: 4 },
  { taskId: `${otherApplicationNo}-5`, applicationNo: otherApplicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', overdue: false, minute: 5 },
  { taskId: `${applicationNo}-6`, applicationNo, division: equipmentDivision, status: 'awaiting-claim', overdue: false, minute: 6 },
  { taskId: `${applicationNo}-7`, applicationNo, division: DEMO.healthDivision, status: 'awaiting-claim', overdue: true, minute: 7 },
];
const departmentOf = (division: string) => (division === DEMO.healthDivision ? DEMO.health : DEMO.market);

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.food = await tokenFor(config, foodDivision);
  tokens.head = await tokenFor(config, { sub: 'supervision:head', role: 'supervision', department: DEMO.market });
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
  const { db } = database();
  const base = { itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, applicantCreditCode: creditCode, applicantName: '收件箱测试店', applicantPhone: '13700000002', requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' };
  await db.insert(cases).values([applicationNo, otherApplicationNo].map((no) => ({ ...base, applicationNo: no, workflowId: `case-${no}` })));
  const t0 = Date.parse('2026-03-02T01:00:00Z');
  await db.insert(tasks).values(
    rows.map((r) => ({
      taskId: r.taskId,
      applicationNo: r.applicationNo,
      departmentCode: departmentOf(r.division),
      divisionCode: r.division,
      regionCode: DEMO.region,
      applicantCreditCode: creditCode,
      status: r.status,
      claimOverdue: r.overdue,
      pushedAt: new Date(t0 + r.minute * 60_000),
      claimDueAt: new Date(t0 + 3 * 86_400_000),
      // An escalated task still waiting to be claimed has its urging (催办) time.
      urgeAt: r.overdue && r.status === 'awaiting-claim' ? new Date(t0 + 4 * 86_400_000) : null,
    })),
  );
});

afterAll(() => harness?.stop());

async function inbox(token: string, query: string) {
  const r = await app.inject({ method: 'GET', url: `/v1/tasks?creditCode=${creditCode}${query}`, headers: { authorization: `Bearer ${token}` } });
  expect(r.statusCode, r.body).toBe(200);
  const body = r.json() as { items: Array<{ taskId: string }>; total: number; totalExact: boolean; limit: number; offset: number };
  return { ids: body.items.map((t) => t.taskId), total: body.total, totalExact: body.totalExact, limit: body.limit, offset: body.offset };
}

/** What the inbox must answer: the rows the token may see that pass the filter, newest push first. */
function expected(visible: (r: Row) => boolean, filter: (r: Row) => boolean = () => true): string[] {
  return rows.filter((r) => visible(r) && filter(r)).sort((a, b) => b.minute - a.minute).map((r) => r.taskId);
}
const food = (r: Row) => r.division === DEMO.marketFoodDivision;
const market = (r: Row) => departmentOf(r.division) === DEMO.market;
const everyone = () => true;

describe('the inbox', () => {
  const cases: Array<[string, string, (r: Row) => boolean]> = [
    ['no further filter', '', () => true],
    ['status', '&status=awaiting-claim', (r) => r.status === 'awaiting-claim'],
    ['overdue=true', '&overdue=true', (r) => r.overdue],
    ['overdue=false', '&overdue=false', (r) => !r.overdue],
    ['status and overdue', '&status=awaiting-claim&overdue=true', (r) => r.status === 'awaiting-claim' && r.overdue],
    ['application', `&applicationNo=${applicationNo}`, (r) => r.applicationNo === applicationNo],
    ['application, status and overdue', `&applicationNo=${applicationNo}&status=awaiting-claim&overdue=false`, (r) => r.applicationNo === applicationNo && r.status === 'awaiting-claim' && !r.overdue],
    ['a status none has', '&status=rectifying', () => false],
  ];

  for (const [name, query, filter] of cases) {
    it(`filters by ${name}, for a division, its department head and an operator`, async () => {
      for (const [token, visible] of [[tokens.food!, food], [tokens.head!, market], [tokens.operator!, everyone]] as const) {
        const want = expected(visible, filter);
        const got = await inbox(token, query);
        expect(got.ids).toEqual(want);
        expect(got).toMatchObject({ total: want.length, totalExact: true });
      }
    });
  }

  it('pages in push order, newest first, with the same total on every page', async () => {
    const all = expected(market);
    expect(all.length).toBe(6);
    const pages = [await inbox(tokens.head!, '&limit=4&offset=0'), await inbox(tokens.head!, '&limit=4&offset=4'), await inbox(tokens.head!, '&limit=4&offset=8')];
    expect(pages.map((p) => p.ids)).toEqual([all.slice(0, 4), all.slice(4), []]);
    expect(pages.map((p) => [p.total, p.limit, p.offset])).toEqual([[6, 4, 0], [6, 4, 4], [6, 4, 8]]);
  });

  it('the same query twice answers the same (the second runs the prepared statement)', async () => {
    const a = await inbox(tokens.food!, '&status=awaiting-claim&overdue=true');
    const b = await inbox(tokens.food!, '&status=awaiting-claim&overdue=true');
    expect(b).toEqual(a);
    expect(a.ids).toEqual([`${applicationNo}-2`]);
  });

  it('shows when the urging notice (催办) of an escalated task goes out, and null before an escalation', async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/tasks?creditCode=${creditCode}&status=awaiting-claim`, headers: { authorization: `Bearer ${tokens.food}` } });
    const items = (r.json() as { items: Array<{ taskId: string; urgeAt: string | null }> }).items;
    expect(items.find((t) => t.taskId === `${applicationNo}-2`)?.urgeAt).toBe('2026-03-06T01:00:00.000Z');
    expect(items.find((t) => t.taskId === `${applicationNo}-1`)?.urgeAt).toBeNull();
  });
});
