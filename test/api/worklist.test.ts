// The approval side's worklist (GET /v1/applications): scoping by token, every filter, the order
// by nearest deadline, cursor pages and overdue from the clock — over read-model rows written
// straight into PostgreSQL, all with one applicant-name marker so other files' cases stay out —
// and the results supervision feeds back (双向推送): one case through the real loop whose result
// comes back unread and is acknowledged once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { createActivities } from '../../activities/index.js';
import { approvalItems, auditEvents, cases, notifications, resultReceipts } from '../../db/schema/index.js';
import { WorkingCalendar } from '../../workflows/domain/working-days.js';
import { applicationNoOf, database, foodDivision, freshCreditCode, testConfig, testDeps, tokenFor, uniqueId, waitFor, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('worklist-tq'), RATE_LIMIT_MAX: '100000' });
const OTHER = 'OTHER-SPJ';
const people = {
  approver: { sub: 'approval:wl-clerk', role: 'approval', department: DEMO.approvalDepartment },
  other: { sub: 'approval:other-clerk', role: 'approval', department: OTHER },
  operator: { sub: 'operator:ops', role: 'operator' },
  food: foodDivision,
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  arbiter: { sub: 'arbiter:bianban', role: 'arbiter', region: DEMO.region },
} as const;
type Who = keyof typeof people;
const tokens = {} as Record<Who, string>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.now();
const marker = uniqueId('工作台');
const base = applicationNoOf('WL');
const creditCode = freshCreditCode();
const otherCredit = freshCreditCode();
const PHONE = '13700000077';

type Kind = 'decision' | 'commitment' | 'revocation';
interface Row {
  key: string;
  no: string;
  department: string;
  stage: string;
  values: Partial<typeof cases.$inferInsert>;
  /** The deadline the row must show, or none. */
  due: { kind: Kind; at: number; provisional: boolean } | null;
  unread?: boolean;
}
const row = (key: string, stage: string, due: Row['due'], values: Row['values'] = {}, department: string = DEMO.approvalDepartment): Row => ({
  key,
  no: department === DEMO.approvalDepartment ? `${base}-${key}` : `${applicationNoOf('WL', department)}-${key}`,
  department,
  stage,
  values,
  due,
});
// Each stage waits on its own deadline; the stale columns of an earlier stage must not count.
const rows: Row[] = [
  row('A', 'awaiting-decision', { kind: 'decision', at: t0 - 2 * HOUR, provisional: false }, { decisionDueAt: new Date(t0 - 2 * HOUR) }),
  row('B', 'awaiting-decision', { kind: 'decision', at: t0 + DAY, provisional: true }, { decisionDueAt: new Date(t0 + DAY), decisionDueProvisional: true }),
  row('G', 'awaiting-decision', { kind: 'decision', at: t0 + DAY, provisional: false }, { decisionDueAt: new Date(t0 + DAY) }),
  row('C', 'awaiting-materials', { kind: 'commitment', at: t0 + 2 * DAY, provisional: false }, { decisionDueAt: new Date(t0 - 10 * DAY), commitmentDueAt: new Date(t0 + 2 * DAY) }),
  row('D', 'revocation-pending', { kind: 'revocation', at: t0 + 3 * DAY, provisional: true }, { commitmentDueAt: new Date(t0 - 5 * DAY), revocationDueAt: new Date(t0 + 3 * DAY), revocationDueProvisional: true }),
  row('I', 'awaiting-decision', { kind: 'decision', at: t0 + 5 * DAY, provisional: false }, { decisionDueAt: new Date(t0 + 5 * DAY), applicantCreditCode: otherCredit, applicantName: `${marker}_%特价店` }),
  { ...row('E', 'supervising', null, { decisionDueAt: new Date(t0 - 20 * DAY), route: 'standard', licenceStatus: 'issued' }), unread: true },
  row('F', 'licensed', null, { itemCode: 'SP-MEDDEV-01', applicantName: `${marker}ABC商行`, licenceStatus: 'issued' }),
  row('H', 'awaiting-decision', { kind: 'decision', at: t0 - HOUR, provisional: false }, { decisionDueAt: new Date(t0 - HOUR) }, OTHER),
];
const byKey = (k: string) => rows.find((r) => r.key === k)!;
const receiptOf = (r: Row, dept: string) => `task-${r.no}.${dept}`;

/** Nearest deadline first, then the number; cases without a deadline last. */
const sorted = (rs: Row[]) => [...rs].sort((a, b) => (a.due?.at ?? Infinity) - (b.due?.at ?? Infinity) || (a.no < b.no ? -1 : 1)).map((r) => r.key);
const own = rows.filter((r) => r.department === DEMO.approvalDepartment);

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const who of Object.keys(people) as Who[]) tokens[who] = await tokenFor(config, people[who]);
  const { db } = database();
  await db.insert(cases).values(
    rows.map((r) => ({
      applicationNo: r.no,
      workflowId: `case-${r.no}`,
      itemCode: 'SP-FOOD-01',
      itemVersion: 1,
      approvalDepartmentCode: r.department,
      regionCode: DEMO.region,
      applicantCreditCode: creditCode,
      applicantName: `${marker}${r.key}食品店`,
      applicantPhone: PHONE,
      requestedRoute: 'auto',
      requestHash: 'h',
      stage: r.stage,
      submittedBy: 'test',
      createdAt: new Date(t0 - 30 * DAY),
      ...r.values,
    })),
  );
  // E has one result unread and one acknowledged; D's only result is acknowledged.
  const ack = { acknowledgedAt: new Date(t0 - HOUR), acknowledgedBy: { sub: 'approval:earlier', role: 'approval', department: DEMO.approvalDepartment } };
  await db.insert(resultReceipts).values([
    { taskId: receiptOf(byKey('E'), DEMO.market), applicationNo: byKey('E').no, departmentCode: DEMO.market, outcome: 'compliant', result: 'compliant', receivedAt: new Date(t0 - 2 * HOUR) },
    { taskId: receiptOf(byKey('E'), DEMO.health), applicationNo: byKey('E').no, departmentCode: DEMO.health, outcome: 'rectified', result: 'rectification', receivedAt: new Date(t0 - 3 * HOUR), ...ack },
    { taskId: receiptOf(byKey('D'), DEMO.market), applicationNo: byKey('D').no, departmentCode: DEMO.market, outcome: 'revocation-requested', result: 'rectification', receivedAt: new Date(t0 - 4 * HOUR), ...ack },
  ]);
});

afterAll(() => harness?.stop());

const call = (method: 'GET' | 'POST', url: string, who: Who | 'anonymous', payload?: unknown) =>
  app.inject({ method, url, headers: who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` }, payload: payload as never });

interface Item {
  applicationNo: string;
  nextDeadline: { kind: string; dueAt: string; provisional: boolean; overdue: boolean } | null;
  results: Array<{ taskId: string; acknowledged: boolean; acknowledgedBy: { sub: string } | null }>;
  [k: string]: unknown;
}
async function list(who: Who, query: string): Promise<{ items: Item[]; nextCursor: string | null }> {
  const r = await call('GET', `/v1/applications?${query}`, who);
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
}
const keysOf = (items: Item[]) => items.map((i) => rows.find((r) => r.no === i.applicationNo)?.key ?? i.applicationNo);
const q = `q=${encodeURIComponent(marker)}`;

describe('who sees which cases', () => {
  it("an approval clerk lists its own department's cases only, nearest deadline first, those without one last", async () => {
    expect(keysOf((await list('approver', q)).items)).toEqual(['A', 'B', 'G', 'C', 'D', 'I', 'E', 'F']);
    expect(sorted(own)).toEqual(['A', 'B', 'G', 'C', 'D', 'I', 'E', 'F']);
  });

  it("another department's clerk sees none of them, only its own", async () => {
    expect(keysOf((await list('other', q)).items)).toEqual(['H']);
  });

  it('an operator sees every department, or one by department', async () => {
    expect(keysOf((await list('operator', q)).items)).toEqual(sorted(rows));
    expect(keysOf((await list('operator', `${q}&department=${OTHER}`)).items)).toEqual(['H']);
  });

  it('an approval clerk may name only its own department; every other role is refused', async () => {
    expect(keysOf((await list('approver', `${q}&department=${DEMO.approvalDepartment}`)).items)).toEqual(sorted(own));
    const asked = await call('GET', `/v1/applications?${q}&department=${OTHER}`, 'approver');
    expect(asked.statusCode).toBe(403);
    expect(asked.json().detail).toMatch(/may list only its own cases/);
    for (const who of ['food', 'admin', 'arbiter'] as const) {
      const r = await call('GET', `/v1/applications?${q}`, who);
      expect(r.statusCode, who).toBe(403);
      expect(r.json().detail).toMatch(new RegExp(`^role ${people[who].role} may not`));
    }
    expect((await call('GET', `/v1/applications?${q}`, 'anonymous')).statusCode).toBe(401);
  });
});

describe('a row', () => {
  it("shows the item, the applicant without the phone, the stage's own deadline and the results", async () => {
    const r = await call('GET', `/v1/applications?${q}`, 'approver');
    expect(r.body).not.toContain(PHONE);
    const items = (r.json() as { items: Item[] }).items;
    const [item] = await database().db.select({ name: approvalItems.name }).from(approvalItems).where(eq(approvalItems.code, 'SP-FOOD-01'));
    const c = items.find((i) => i.applicationNo === byKey('C').no)!;
    expect(c).toEqual({
      applicationNo: byKey('C').no,
      itemCode: 'SP-FOOD-01',
      itemName: item!.name,
      applicant: { creditCode, name: `${marker}C食品店` },
      stage: 'awaiting-materials',
      route: null,
      licenceStatus: 'none',
      nextDeadline: { kind: 'commitment', dueAt: new Date(t0 + 2 * DAY).toISOString(), provisional: false, overdue: false },
      submittedAt: new Date(t0 - 30 * DAY).toISOString(),
      results: [],
    });
    // Every row: the deadline its stage waits on (a stale decision or commitment deadline does not count).
    for (const i of items) {
      const want = rows.find((x) => x.no === i.applicationNo)!.due;
      expect(i.nextDeadline, i.applicationNo).toEqual(want && { kind: want.kind, dueAt: new Date(want.at).toISOString(), provisional: want.provisional, overdue: want.at < Date.now() });
    }
    expect(items.find((i) => i.applicationNo === byKey('F').no)!.itemName).toBe('第三类医疗器械经营许可');
    expect(items.find((i) => i.applicationNo === byKey('E').no)!.results).toEqual([
      { taskId: receiptOf(byKey('E'), DEMO.health), departmentCode: DEMO.health, outcome: 'rectified', result: 'rectification', receivedAt: new Date(t0 - 3 * HOUR).toISOString(), acknowledged: true, acknowledgedAt: new Date(t0 - HOUR).toISOString(), acknowledgedBy: { sub: 'approval:earlier', role: 'approval', department: DEMO.approvalDepartment } },
      { taskId: receiptOf(byKey('E'), DEMO.market), departmentCode: DEMO.market, outcome: 'compliant', result: 'compliant', receivedAt: new Date(t0 - 2 * HOUR).toISOString(), acknowledged: false, acknowledgedAt: null, acknowledgedBy: null },
    ]);
  });
});

describe('filters', () => {
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const filters: Array<[string, string, (r: Row) => boolean]> = [
    ['one stage', 'stage=awaiting-decision', (r) => r.stage === 'awaiting-decision'],
    ['a comma list of stages', 'stage=awaiting-materials,revocation-pending', (r) => ['awaiting-materials', 'revocation-pending'].includes(r.stage)],
    ['a repeated stage', 'stage=supervising&stage=licensed', (r) => ['supervising', 'licensed'].includes(r.stage)],
    ['a deadline before an instant', `due=${iso(t0 + 1.5 * DAY)}`, (r) => r.due !== null && r.due.at < t0 + 1.5 * DAY],
    ['overdue=true', 'overdue=true', (r) => r.due !== null && r.due.at < Date.now()],
    ['overdue=false (in time, or waiting on no deadline)', 'overdue=false', (r) => r.due === null || r.due.at >= Date.now()],
    ['item', 'itemCode=SP-MEDDEV-01', (r) => r.values.itemCode === 'SP-MEDDEV-01'],
    ['credit code', `creditCode=${otherCredit}`, (r) => r.values.applicantCreditCode === otherCredit],
    ['unacknowledged results', 'unacknowledged=true', (r) => r.unread === true],
    ['no unacknowledged result', 'unacknowledged=false', (r) => r.unread !== true],
    ['stage and overdue', 'stage=awaiting-decision&overdue=false', (r) => r.stage === 'awaiting-decision' && r.due!.at >= Date.now()],
  ];
  for (const [name, query, filter] of filters) {
    it(`by ${name}`, async () => {
      const want = sorted(own.filter(filter));
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(own.length);
      expect(keysOf((await list('approver', `${q}&${query}`)).items)).toEqual(want);
    });
  }

  it("by text in the applicant's name: case-insensitive, and % and _ match only themselves", async () => {
    const named = async (text: string) => keysOf((await list('approver', `q=${encodeURIComponent(text)}`)).items);
    expect(await named(`${marker}abc`)).toEqual(['F']);
    expect(await named(`${marker}_`)).toEqual(['I']);
    expect(await named(`${marker}_%特价`)).toEqual(['I']);
    expect(await named(`${marker}%`)).toEqual([]);
    expect(await named(`${marker}C食品`)).toEqual(['C']);
  });

  it('refuses malformed input with a 400 naming the field', async () => {
    const bad: Array<[string, RegExp]> = [
      ['stage=bogus', /querystring\.stage/],
      ['stage=awaiting-decision,', /querystring\.stage/],
      ['due=tomorrow', /querystring\.due/],
      ['overdue=yes', /querystring\.overdue/],
      ['unacknowledged=1', /querystring\.unacknowledged/],
      ['limit=0', /querystring\.limit/],
      ['limit=201', /querystring\.limit/],
      ['cursor=not-a-cursor', /querystring\.cursor: not a cursor of this list/],
      [`cursor=${Buffer.from('{"d":"x","n":1}').toString('base64url')}`, /querystring\.cursor/],
      ['q=', /querystring\.q/],
      [`q=${'名'.repeat(51)}`, /querystring\.q/],
      ['creditCode=123', /querystring\.creditCode/],
      ['itemCode=%3Cx%3E', /querystring\.itemCode/],
      ['sort=name', /unknown field 'sort'/],
    ];
    for (const [query, detail] of bad) {
      const r = await call('GET', `/v1/applications?${query}`, 'approver');
      expect(r.statusCode, query).toBe(400);
      expect(r.json().detail, query).toMatch(detail);
    }
  });
});

describe('pages', () => {
  it('follow the cursor in order, without duplicates or gaps, to a last page with no cursor', async () => {
    const want = sorted(own);
    for (const limit of [1, 2, 3]) {
      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const page = await list('approver', `${q}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        pages.push(keysOf(page.items));
        cursor = page.nextCursor;
      } while (cursor && pages.length < 20);
      expect(pages.flat(), `limit ${limit}`).toEqual(want);
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages.length).toBe(Math.ceil(want.length / limit));
    }
  });

  it('a cursor keeps the filters the caller sends with it', async () => {
    const first = await list('approver', `${q}&stage=awaiting-decision&limit=2`);
    expect(keysOf(first.items)).toEqual(['A', 'B']);
    expect(keysOf((await list('approver', `${q}&stage=awaiting-decision&limit=2&cursor=${first.nextCursor}`)).items)).toEqual(['G', 'I']);
  });
});

describe('overdue', () => {
  it('is read from the clock: a deadline that passes between two reads makes the case overdue, with no workflow to mark it', async () => {
    const no = `${base}-SOON`;
    const soon = freshCreditCode();
    await database().db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, applicantCreditCode: soon, applicantName: '逾期测试店', applicantPhone: PHONE, requestedRoute: 'auto', requestHash: 'h', stage: 'awaiting-decision', submittedBy: 'test', decisionDueAt: new Date(Date.now() + 3000) });
    const inDetail = async () => ((await call('GET', `/v1/applications/${no}`, 'approver')).json().deadlines as Array<{ kind: string; overdue: boolean }>).find((d) => d.kind === 'decision')!.overdue;
    expect((await list('approver', `creditCode=${soon}`)).items[0]!.nextDeadline!.overdue).toBe(false);
    expect((await list('approver', `creditCode=${soon}&overdue=true`)).items).toEqual([]);
    expect(await inDetail()).toBe(false);
    await new Promise((r) => setTimeout(r, 3500));
    expect((await list('approver', `creditCode=${soon}`)).items[0]!.nextDeadline!.overdue).toBe(true);
    // The case's detail says so too, by the same clock.
    expect(await inDetail()).toBe(true);
    expect(keysOf((await list('approver', `creditCode=${soon}&overdue=true`)).items)).toEqual([no]);
    // Nothing marked it: the case has no trail at all.
    expect(await database().db.select().from(auditEvents).where(eq(auditEvents.applicationNo, no))).toEqual([]);
  });
});

describe('a pending revocation', () => {
  it('waits on the deadline openRevocation set, and on the one a calendar import moved it to', async () => {
    const no = `${base}-REVOKE`;
    const code = freshCreditCode();
    await database().db.insert(cases).values({ applicationNo: no, workflowId: `case-${no}`, itemCode: 'SP-FOOD-01', itemVersion: 1, approvalDepartmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, applicantCreditCode: code, applicantName: '撤销测试店', applicantPhone: PHONE, requestedRoute: 'auto', requestHash: 'h', stage: 'supervising', submittedBy: 'test' });
    // Monday 2027-03-01 10:00 Asia/Shanghai; the import makes Tuesday 2027-03-02 a holiday.
    const acts = (exceptions: Array<{ date: string; kind: 'holiday' }>) => createActivities(testDeps(database(), { calendar: { current: async () => new WorkingCalendar({ publishedYears: [2027], exceptions }) }, clock: () => new Date('2027-03-01T02:00:00Z') }));
    const opened = await acts([]).openRevocation({ applicationNo: no, itemCode: 'SP-FOOD-01', reason: '逾期未整改', step: 'revocation:test' });
    const shown = async () => (await list('approver', `creditCode=${code}`)).items[0]!.nextDeadline;
    expect(await shown()).toEqual({ kind: 'revocation', dueAt: opened.dueAt, provisional: false, overdue: false });
    const moved = await acts([{ date: '2027-03-02', kind: 'holiday' }]).retimeCaseWindow({ applicationNo: no, window: 'revocation', importId: 950_000 + Math.floor(Math.random() * 40_000), dueAt: opened.dueAt, remindAt: opened.remindAt });
    expect(moved.moved).toBe(true);
    expect(await shown()).toEqual({ kind: 'revocation', dueAt: moved.dueAt, provisional: false, overdue: false });
  });
});

describe('results fed back by supervision (双向推送)', () => {
  const no = applicationNoOf('WL-LOOP');
  const code = freshCreditCode();
  const taskId = `task-${no}.${DEMO.market}`;
  const ackUrl = (t = taskId, n = no) => `/v1/applications/${n}/results/${t}/acknowledge`;
  const results = async () => (await list('approver', `creditCode=${code}`)).items[0]?.results ?? [];
  const trail = async () => (await call('GET', `/v1/applications/${no}/events`, 'approver')).json().items as Array<{ kind: string; actor: { sub: string }; taskId: string | null }>;

  beforeAll(async () => {
    const ok = async (r: Awaited<ReturnType<typeof call>>, status = 200) => expect(r.statusCode, r.body).toBe(status);
    await ok(await call('POST', '/v1/applications', 'approver', { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode: code, name: '反馈回执测试店', phone: PHONE }, materials: ['食品经营许可申请书'] }), 201);
    await ok(await call('POST', `/v1/applications/${no}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
    await waitFor(async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1, 30_000);
    await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'food'));
    await ok(await call('POST', `/v1/tasks/${taskId}/inspection`, 'food', { finishedAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), findings: '现场检查，符合要求' }));
    await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'compliant', note: '符合要求' }));
    await waitFor(async () => (await results()).length === 1, 30_000);
  }, 120_000);

  it('arrive unread, and the unacknowledged filter finds the case', async () => {
    expect(await results()).toEqual([{ taskId, departmentCode: DEMO.market, outcome: 'compliant', result: 'compliant', receivedAt: expect.any(String), acknowledged: false, acknowledgedAt: null, acknowledgedBy: null }]);
    expect((await list('approver', `creditCode=${code}&unacknowledged=true`)).items.map((i) => i.applicationNo)).toEqual([no]);
  });

  it("are not acknowledged by another department, another role, or for a task that is not the case's", async () => {
    const refused: Array<[Who, string, number, RegExp]> = [
      ['other', ackUrl(), 403, /not a case of yours/],
      ['food', ackUrl(), 403, /^role supervision may not/],
      ['operator', ackUrl(), 403, /^role operator may not/],
      ['approver', ackUrl(`task-${no}.${DEMO.health}`), 404, /does not exist/],
      ['approver', ackUrl(taskId, byKey('E').no), 404, /does not exist/],
      ['approver', ackUrl('not-a-task'), 400, /params\.taskId/],
    ];
    for (const [who, url, status, detail] of refused) {
      const r = await call('POST', url, who);
      expect(r.statusCode, `${who} ${url}`).toBe(status);
      expect(r.json().detail).toMatch(detail);
    }
    expect((await results())[0]!.acknowledged).toBe(false);
    expect((await trail()).filter((e) => e.kind === 'result-acknowledged')).toEqual([]);
  });

  it('are acknowledged once by the approval department, on the trail with the actor; a repeat answers the same', async () => {
    const first = await call('POST', ackUrl(), 'approver');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ taskId, acknowledged: true, acknowledgedAt: expect.any(String), acknowledgedBy: { sub: people.approver.sub, role: 'approval', department: DEMO.approvalDepartment } });
    const again = await call('POST', ackUrl(), 'approver');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await results()).toEqual([first.json()]);
    expect((await list('approver', `creditCode=${code}&unacknowledged=true`)).items).toEqual([]);
    const acknowledged = (await trail()).filter((e) => e.kind === 'result-acknowledged');
    expect(acknowledged).toMatchObject([{ taskId, actor: { sub: people.approver.sub } }]);
    expect((await call('GET', `/v1/applications/${no}/events/verify`, 'approver')).json()).toMatchObject({ intact: true });
  });
});
