// The inbox (GET /v1/tasks) for a division's day: every filter, alone and combined, the scoping by
// token (a division, a department head, an operator), the order by the next deadline whatever its
// kind, paging and the total — over read-model rows of one applicant written straight into
// PostgreSQL, with deadlines around the present. Overdue is the clock's: rows whose deadline has
// passed and that no workflow has marked read overdue. Each combination of filters is its own
// prepared statement (db/queries/tasks.ts), so each combination is asked for here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
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
const PHONE = '13700000002';
// The two cases of the applicant: one food licence, one building permit (names as the item versions have them).
const named = { [applicationNo]: { applicantName: '收件箱测试店', itemCode: 'SP-FOOD-01', itemName: '食品经营许可' }, [otherApplicationNo]: { applicantName: '收件箱测试建设公司', itemCode: 'SP-BUILD-01', itemName: '建筑工程施工许可' } };

const H = 3_600_000;
const now = Date.now();
type Kind = 'claim' | 'feedback' | 'reinspection' | 'rectification';
type Row = {
  label: string;
  applicationNo: string;
  division: string;
  status: string;
  /** The next deadline, hours from now, of its kind; none for claimed and closed tasks. */
  next?: [Kind, number];
  /** The workflow's marks on the row. */
  claimMarked?: boolean;
  feedbackMarked?: boolean;
};
const rows: Row[] = [
  { label: 'a', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', next: ['claim', 48] },
  // Past its claim deadline, not marked: the worker is behind.
  { label: 'b', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', next: ['claim', -1] },
  { label: 'c', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', next: ['claim', -48], claimMarked: true },
  // Claimed late (marked), now inspecting: no deadline until the inspection is finished.
  { label: 'd', applicationNo, division: DEMO.marketFoodDivision, status: 'claimed', claimMarked: true },
  { label: 'e', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-feedback', next: ['feedback', 24] },
  { label: 'f', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-feedback', next: ['feedback', -3] },
  { label: 'g', applicationNo, division: DEMO.marketFoodDivision, status: 'rectifying', next: ['rectification', 240] },
  { label: 'h', applicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-reinspection', next: ['reinspection', -0.5] },
  { label: 'i', applicationNo, division: DEMO.marketFoodDivision, status: 'closed' },
  // The same deadline as `a`: the task id decides.
  { label: 'j', applicationNo: otherApplicationNo, division: DEMO.marketFoodDivision, status: 'awaiting-claim', next: ['claim', 48] },
  { label: 'k', applicationNo, division: equipmentDivision, status: 'awaiting-claim', next: ['claim', 24] },
  { label: 'l', applicationNo, division: DEMO.healthDivision, status: 'awaiting-feedback', next: ['feedback', -24] },
];
const idOf = (r: Row) => `task-${r.applicationNo}.${r.label}`;
const departmentOf = (division: string) => (division === DEMO.healthDivision ? DEMO.health : DEMO.market);
const dueOf = (r: Row) => (r.next ? new Date(now + r.next[1] * H) : null);
const overdueOf = (r: Row) => (r.next ? r.next[1] < 0 : false);
const at = (hours: number) => new Date(now + hours * H);

/** The row as the workflow would have written it, with the deadline of its next kind. */
function taskRow(r: Row) {
  const [kind] = r.next ?? [];
  const due = dueOf(r);
  const claimedLate = r.label === 'd';
  return {
    taskId: idOf(r),
    applicationNo: r.applicationNo,
    originNo: r.applicationNo,
    departmentCode: departmentOf(r.division),
    divisionCode: r.division,
    regionCode: DEMO.region,
    applicantCreditCode: creditCode,
    status: r.status,
    pushedAt: at(-200),
    claimDueAt: kind === 'claim' ? due! : at(-150),
    claimedAt: r.status === 'awaiting-claim' ? null : claimedLate ? at(-100) : at(-160),
    claimOverdue: r.claimMarked ?? false,
    feedbackOverdue: r.feedbackMarked ?? false,
    urgeAt: r.claimMarked && r.status === 'awaiting-claim' ? at(-24) : null,
    inspectionFinishedAt: ['awaiting-feedback', 'rectifying', 'awaiting-reinspection', 'closed'].includes(r.status) ? at(-140) : null,
    feedbackDueAt: kind === 'feedback' ? due : ['rectifying', 'awaiting-reinspection', 'closed'].includes(r.status) ? at(-100) : null,
    feedbackAt: ['rectifying', 'awaiting-reinspection', 'closed'].includes(r.status) ? at(-120) : null,
    rectificationRound: ['rectifying', 'awaiting-reinspection'].includes(r.status) ? 1 : 0,
    rectificationDueAt: kind === 'rectification' ? due : r.status === 'awaiting-reinspection' ? at(-10) : null,
    reinspectionDueAt: kind === 'reinspection' ? due : null,
  };
}

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.food = await tokenFor(config, foodDivision);
  tokens.head = await tokenFor(config, { sub: 'supervision:head', role: 'supervision', department: DEMO.market });
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
  const { db } = database();
  const base = { itemVersion: 1, approvalDepartmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, applicantCreditCode: creditCode, applicantPhone: PHONE, requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' };
  await db.insert(cases).values([applicationNo, otherApplicationNo].map((no) => ({ ...base, applicationNo: no, workflowId: `case-${no}`, itemCode: named[no]!.itemCode, applicantName: named[no]!.applicantName })));
  await db.insert(tasks).values(rows.map(taskRow));
});

afterAll(() => harness?.stop());

type Item = { taskId: string; applicantName: string; itemCode: string; itemName: string; claimOverdue: boolean; feedbackOverdue: boolean; urgeAt: string | null; nextDeadline: { kind: Kind; dueAt: string; overdue: boolean } | null };
async function inbox(token: string, query: string) {
  const r = await app.inject({ method: 'GET', url: `/v1/tasks?creditCode=${creditCode}${query}`, headers: { authorization: `Bearer ${token}` } });
  expect(r.statusCode, r.body).toBe(200);
  expect(r.body).not.toContain(PHONE);
  const body = r.json() as { items: Item[]; total: number; totalExact: boolean; limit: number; offset: number };
  return { items: body.items, ids: body.items.map((t) => t.taskId), total: body.total, totalExact: body.totalExact, limit: body.limit, offset: body.offset };
}

/** What the inbox must answer: the rows the token may see that pass the filter, nearest next deadline first, none last, then by id. */
function expected(visible: (r: Row) => boolean, filter: (r: Row) => boolean = () => true): string[] {
  const key = (r: Row) => dueOf(r)?.getTime() ?? Infinity;
  return rows
    .filter((r) => visible(r) && filter(r))
    .sort((a, b) => key(a) - key(b) || (idOf(a) < idOf(b) ? -1 : 1))
    .map(idOf);
}
const food = (r: Row) => r.division === DEMO.marketFoodDivision;
const market = (r: Row) => departmentOf(r.division) === DEMO.market;
const everyone = () => true;

describe('the inbox', () => {
  const cases: Array<[string, string, (r: Row) => boolean]> = [
    ['no further filter', '', () => true],
    ['status', '&status=awaiting-claim', (r) => r.status === 'awaiting-claim'],
    ['deadline=claim', '&deadline=claim', (r) => r.next?.[0] === 'claim'],
    ['deadline=feedback', '&deadline=feedback', (r) => r.next?.[0] === 'feedback'],
    ['deadline=reinspection', '&deadline=reinspection', (r) => r.next?.[0] === 'reinspection'],
    ['deadline=rectification', '&deadline=rectification', (r) => r.next?.[0] === 'rectification'],
    ['overdue=true (every kind, by the clock)', '&overdue=true', overdueOf],
    ['overdue=false', '&overdue=false', (r) => !overdueOf(r)],
    ['deadline and overdue', '&deadline=feedback&overdue=true', (r) => r.next?.[0] === 'feedback' && overdueOf(r)],
    ['status and overdue', '&status=awaiting-claim&overdue=true', (r) => r.status === 'awaiting-claim' && overdueOf(r)],
    ['application', `&applicationNo=${applicationNo}`, (r) => r.applicationNo === applicationNo],
    ['application, status and overdue', `&applicationNo=${applicationNo}&status=awaiting-claim&overdue=false`, (r) => r.applicationNo === applicationNo && r.status === 'awaiting-claim' && !overdueOf(r)],
    ['a combination none has', '&deadline=rectification&overdue=true', () => false],
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

  it("orders by the next deadline whatever its kind, nearest first, none last; each row has its kind, time and the clock's overdue", async () => {
    const got = await inbox(tokens.food!, '');
    // a and j are due at the same instant: the lower task id first.
    const tied = `task-${applicationNo}.a` < `task-${otherApplicationNo}.j` ? ['a', 'j'] : ['j', 'a'];
    expect(got.ids.map((id) => id.slice(id.lastIndexOf('.') + 1))).toEqual(['c', 'f', 'b', 'h', 'e', ...tied, 'g', 'd', 'i']);
    for (const r of rows.filter(food)) {
      const item = got.items.find((t) => t.taskId === idOf(r))!;
      expect(item.nextDeadline, r.label).toEqual(r.next ? { kind: r.next[0], dueAt: dueOf(r)!.toISOString(), overdue: overdueOf(r) } : null);
    }
  });

  it('names the applicant and the item on every row (the item as the case’s version has it), never the phone', async () => {
    const got = await inbox(tokens.operator!, '');
    expect(got.items).toHaveLength(rows.length);
    for (const item of got.items) {
      const no = rows.find((r) => idOf(r) === item.taskId)!.applicationNo;
      expect(item).toMatchObject(named[no]!);
    }
  });

  it('a task past its claim deadline that no workflow has marked reads overdue, and the read writes nothing', async () => {
    const b = rows.find((r) => r.label === 'b')!;
    const r = await app.inject({ method: 'GET', url: `/v1/tasks/${idOf(b)}`, headers: { authorization: `Bearer ${tokens.food}` } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ status: 'awaiting-claim', claimOverdue: true, nextDeadline: { kind: 'claim', overdue: true } });
    expect((await inbox(tokens.food!, '&overdue=true')).ids).toContain(idOf(b));
    const [row] = await database().db.select({ claimOverdue: tasks.claimOverdue }).from(tasks).where(eq(tasks.taskId, idOf(b)));
    expect(row!.claimOverdue).toBe(false);
  });

  it('the case detail and the applicant portrait say of its tasks what the clock says too', async () => {
    const read = async (url: string) => {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.food}` } });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as { tasks: Array<{ taskId: string; claimOverdue: boolean }> }).tasks;
    };
    const flags = (list: Array<{ taskId: string; claimOverdue: boolean }>) => Object.fromEntries(list.filter((t) => /\.[abc]$/.test(t.taskId)).map((t) => [t.taskId.slice(-1), t.claimOverdue]));
    expect(flags(await read(`/v1/applications/${applicationNo}`))).toEqual({ a: false, b: true, c: true });
    expect(flags(await read(`/v1/applicants/${creditCode}`))).toEqual({ a: false, b: true, c: true });
  });

  it('claimOverdue and feedbackOverdue: the workflow’s mark, or the clock', async () => {
    const got = await inbox(tokens.food!, '');
    const flags = Object.fromEntries(got.items.map((t) => [t.taskId.slice(t.taskId.lastIndexOf('.') + 1), [t.claimOverdue, t.feedbackOverdue]]));
    // a: in time; b: unclaimed past the deadline; c, d: marked; e: feedback in time; f: feedback past due; h: re-inspection past due.
    expect(flags).toMatchObject({ a: [false, false], b: [true, false], c: [true, false], d: [true, false], e: [false, false], f: [false, true], g: [false, false], h: [false, true], i: [false, false] });
  });

  it('pages in that order with the same total on every page', async () => {
    const all = expected(market);
    expect(all.length).toBe(11);
    const pages = [await inbox(tokens.head!, '&limit=4&offset=0'), await inbox(tokens.head!, '&limit=4&offset=4'), await inbox(tokens.head!, '&limit=4&offset=8'), await inbox(tokens.head!, '&limit=4&offset=12')];
    expect(pages.map((p) => p.ids)).toEqual([all.slice(0, 4), all.slice(4, 8), all.slice(8), []]);
    expect(pages.map((p) => [p.total, p.limit, p.offset])).toEqual([[11, 4, 0], [11, 4, 4], [11, 4, 8], [11, 4, 12]]);
  });

  it('the same query twice answers the same (the second runs the prepared statement)', async () => {
    const a = await inbox(tokens.food!, '&status=awaiting-claim&overdue=true');
    const b = await inbox(tokens.food!, '&status=awaiting-claim&overdue=true');
    expect(b).toEqual(a);
    expect(a.ids).toEqual([`task-${applicationNo}.c`, `task-${applicationNo}.b`]);
  });

  it('refuses a deadline kind that does not exist', async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/tasks?deadline=lunch`, headers: { authorization: `Bearer ${tokens.food}` } });
    expect(r.statusCode).toBe(400);
  });

  it('shows when the urging notice (催办) of an escalated task goes out, and null before an escalation', async () => {
    const items = (await inbox(tokens.food!, '&status=awaiting-claim')).items;
    expect(items.find((t) => t.taskId === `task-${applicationNo}.c`)?.urgeAt).toBe(at(-24).toISOString());
    expect(items.find((t) => t.taskId === `task-${applicationNo}.a`)?.urgeAt).toBeNull();
  });
});
