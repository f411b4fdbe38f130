// Bad input gets a clear 4xx with a readable reason and changes nothing: malformed credit codes,
// oversize bodies, unknown fields, wrong types, strings over their bounds, dates out of range
// (schema 400s, calendar 422s and the workflow validators' 422s), pagination out of range,
// malformed JSON and a content type the API does not speak. Each case asserts the status, the
// problem+json content type, a detail that names the problem, and that no row anywhere changed
// and the workflow state the owner reads is the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { type Principal } from '../../api/auth.js';
import { cases, notifications, tasks } from '../../db/schema/index.js';
import { creditCodeCheckChar } from '../../workflows/domain/credit-code.js';
import { applicationNoOf, database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO } from '../helpers.js';
import { startApiHarness, untilStable, type ApiHarness } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('input-tq'), RATE_LIMIT_MAX: '1000000' });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  operator: { sub: 'operator:ops', role: 'operator' },
} satisfies Record<string, Principal>;
type Who = keyof typeof people;
const tokens = {} as Record<Who, string>;

/** Objects: a case awaiting its decision, a claimed task, a task awaiting feedback. */
const o = { decide: '', claimed: '', inspected: '' };
const taskOf = (applicationNo: string) => `task-${applicationNo}.${DEMO.market}`;

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const who of Object.keys(people) as Who[]) tokens[who] = await tokenFor(config, people[who]);

  const submit = async () => {
    const body = application();
    const r = await call('POST', '/v1/applications', 'approver', body);
    expect(r.statusCode, r.body).toBe(201);
    return body.applicationNo;
  };
  [o.decide, o.claimed, o.inspected] = [await submit(), await submit(), await submit()];
  for (const no of [o.claimed, o.inspected]) {
    expect((await call('POST', `/v1/applications/${no}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' })).statusCode).toBe(200);
    // The claim notice, not just the task row, so the set-up's workflows are at rest (a claim
    // before it would stand: test/workflows/claim-window.test.ts).
    await waitFor(`task of ${no} pushed`, async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskOf(no)}:claim-notice`))).length === 1);
    expect((await call('POST', `/v1/tasks/${taskOf(no)}/claim`, 'food')).statusCode).toBe(200);
  }
  const inspected = await call('POST', `/v1/tasks/${taskOf(o.inspected)}/inspection`, 'food', { finishedAt: secondsNow(), findings: '现场检查' });
  expect(inspected.statusCode, inspected.body).toBe(200);
  await untilStable(state); // the set-up's workflows have stopped writing
}, 120_000);

afterAll(() => harness?.stop());

type Method = 'GET' | 'POST' | 'PUT';
/** An object payload is sent as JSON; a string is sent as it is, with the given headers. */
const call = (method: Method, url: string, who: Who, payload?: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}`, ...headers }, payload: payload as never });

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const secondsNow = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

function application(overrides: Record<string, unknown> = {}) {
  return {
    applicationNo: applicationNoOf('INPUT'),
    itemCode: 'SP-FOOD-01',
    applicant: { creditCode: freshCreditCode(), name: '输入校验食品有限公司', phone: '13700000041' },
    materials: ['食品经营许可申请书'],
    ...overrides,
  };
}
const withCreditCode = (creditCode: string) => application({ applicant: { creditCode, name: '输入校验食品有限公司', phone: '13700000041' } });

/** A valid code with letters in it (the 9th and 10th characters), so its lowercase form differs. */
function lettersCreditCode(): string {
  const body = `91320700MA${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  return body + creditCodeCheckChar(body);
}

// ── what must not change ──

async function state() {
  const { db } = database();
  const nos = [o.decide, o.claimed, o.inspected];
  const [caseRows, taskRows, counts] = await Promise.all([
    db.select().from(cases).where(inArray(cases.applicationNo, nos)).orderBy(asc(cases.applicationNo)),
    db.select().from(tasks).where(inArray(tasks.applicationNo, nos)).orderBy(asc(tasks.taskId)),
    db.execute<Record<string, number>>(sql`select
      (select count(*)::int from cases) as cases,
      (select count(*)::int from tasks) as tasks,
      (select count(*)::int from audit_events) as audit_events,
      (select count(*)::int from notifications) as notifications,
      (select count(*)::int from credit_records) as credit_records,
      (select count(*)::int from dossiers) as dossiers,
      (select count(*)::int from linkages) as linkages,
      (select count(*)::int from catalog_changes) as catalog_changes,
      (select count(*)::int from approval_items) as approval_items,
      (select count(*)::int from supervision_items) as supervision_items,
      (select count(*)::int from departments) as departments,
      (select count(*)::int from divisions) as divisions,
      (select count(*)::int from calendar_years) as calendar_years,
      (select count(*)::int from calendar_imports) as calendar_imports,
      (select count(*)::int from calendar_days) as calendar_days`),
  ]);
  return { caseRows, taskRows, counts: counts[0] };
}

async function ownerViews() {
  const [decide, claimedTask, inspectedTask] = await Promise.all([
    call('GET', `/v1/applications/${o.decide}`, 'approver'),
    call('GET', `/v1/tasks/${taskOf(o.claimed)}`, 'food'),
    call('GET', `/v1/tasks/${taskOf(o.inspected)}`, 'food'),
  ]);
  return { decide: decide.json(), claimedTask: claimedTask.json(), inspectedTask: inspectedTask.json() };
}


// ── the cases ──

interface Case {
  name: string;
  method: Method;
  url: () => string;
  who: Who;
  body?: () => unknown;
  headers?: Record<string, string>;
  status: number;
  /** The detail must say this. */
  detail: RegExp;
  /** For schema errors: the field the `errors` list must name. */
  field?: string;
}

const post = (name: string, url: () => string, who: Who, body: () => unknown, status: number, detail: RegExp, field?: string): Case => ({ name, method: 'POST', url, who, body, status, detail, field });
const get = (name: string, url: () => string, who: Who, status: number, detail: RegExp, field?: string): Case => ({ name, method: 'GET', url, who, status, detail, field });
const applications = () => '/v1/applications';
const decision = () => `/v1/applications/${o.decide}/decision`;
const inspection = () => `/v1/tasks/${taskOf(o.claimed)}/inspection`;
const feedback = () => `/v1/tasks/${taskOf(o.inspected)}/feedback`;
const reinspection = () => `/v1/tasks/${taskOf(o.inspected)}/reinspection`;

const creditCodes: Case[] = [
  post('wrong check digit', applications, 'approver', () => {
    const code = freshCreditCode();
    return withCreditCode(code.slice(0, 17) + (code[17] === '0' ? '1' : '0'));
  }, 400, /check digit is '.', GB 32100-2015 requires '.'/, 'body.applicant.creditCode'),
  post('lowercase letters', applications, 'approver', () => withCreditCode(lettersCreditCode().toLowerCase()), 400, /character 9 \('m'\) is not allowed/, 'body.applicant.creditCode'),
  post('17 characters', applications, 'approver', () => withCreditCode(freshCreditCode().slice(0, 17)), 400, /must be 18 characters, got 17/, 'body.applicant.creditCode'),
  post('19 characters', applications, 'approver', () => withCreditCode(`${freshCreditCode()}0`), 400, /must be 18 characters, got 19/, 'body.applicant.creditCode'),
  ...['I', 'O', 'S', 'V', 'Z'].map((letter) =>
    post(`letter ${letter}`, applications, 'approver', () => {
      const code = freshCreditCode();
      return withCreditCode(`${code.slice(0, 9)}${letter}${code.slice(10)}`);
    }, 400, new RegExp(`character 10 \\('${letter}'\\) is not allowed: use 0-9 and capital letters except I, O, S, V, Z`), 'body.applicant.creditCode'),
  ),
  get('in the portrait path', () => `/v1/applicants/${freshCreditCode().slice(0, 17)}O`, 'approver', 400, /character 18 \('O'\) is not allowed/, 'params.creditCode'),
  get('in the inbox filter', () => `/v1/tasks?creditCode=${freshCreditCode().toLowerCase().slice(0, 16)}`, 'food', 400, /must be 18 characters, got 16/, 'querystring.creditCode'),
];

const OVERSIZE = 'x'.repeat(300 * 1024);
const raw = (payload: () => string, contentType = 'application/json') => ({ body: payload, headers: { 'content-type': contentType } });
const sizes: Case[] = [
  { name: 'an application over 256 KiB', method: 'POST', url: applications, who: 'approver', ...raw(() => JSON.stringify(application({ materials: [OVERSIZE] }))), status: 413, detail: /too large/i },
  { name: 'a decision over 256 KiB', method: 'POST', url: decision, who: 'approver', ...raw(() => JSON.stringify({ outcome: 'approve', opinion: OVERSIZE })), status: 413, detail: /too large/i },
  { name: 'a calendar import over 256 KiB', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', ...raw(() => JSON.stringify({ notice: OVERSIZE, days: [] })), status: 413, detail: /too large/i },
];

const unknownFields: Case[] = [
  post('top level of an application', applications, 'approver', () => ({ ...application(), priority: 'high' }), 400, /body\.priority: unknown field 'priority'/, 'body.priority'),
  post('inside the applicant', applications, 'approver', () => application({ applicant: { creditCode: freshCreditCode(), name: '某公司', phone: '13700000041', email: 'a@b.c' } }), 400, /body\.applicant\.email: unknown field 'email'/, 'body.applicant.email'),
  post('in a decision', decision, 'approver', () => ({ outcome: 'approve', opinion: '准予', urgent: true }), 400, /body\.urgent: unknown field 'urgent'/, 'body.urgent'),
  post('in a feedback', feedback, 'food', () => ({ result: 'compliant', score: 5 }), 400, /body\.score: unknown field 'score'/, 'body.score'),
  get('in the inbox query', () => '/v1/tasks?sort=desc', 'food', 400, /querystring\.sort: unknown field 'sort'/, 'querystring.sort'),
  { name: 'in a calendar day', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通知', days: [{ date: '2031-10-01', kind: 'holiday', paid: true }] }), status: 400, detail: /body\.days\.0\.paid: unknown field 'paid'/, field: 'body.days.0.paid' },
];

const wrongTypes: Case[] = [
  post('decision outcome and opinion as numbers', decision, 'approver', () => ({ outcome: 1, opinion: 2 }), 400, /body\.outcome: Invalid option: expected one of "approve"\|"reject".*body\.opinion: .*expected string, received number/, 'body.opinion'),
  post('materials as a string', applications, 'approver', () => application({ materials: '营业执照' }), 400, /body\.materials: .*expected array, received string/, 'body.materials'),
  post('rectified as a string', reinspection, 'food', () => ({ rectified: 'yes' }), 400, /body\.rectified: .*expected boolean, received string/, 'body.rectified'),
  post('statutoryDays as a string', () => '/v1/approval-items', 'approver', () => ({ code: uniqueId('INPUT-ITEM'), name: '事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: '10' }), 400, /body\.statutoryDays: .*expected number, received string/, 'body.statutoryDays'),
  post('an unknown route choice', applications, 'approver', () => application({ route: 'express' }), 400, /body\.route: Invalid option/, 'body.route'),
  { name: 'calendar days as a string', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通知', days: 'none' }), status: 400, detail: /body\.days: .*expected array/, field: 'body.days' },
  get('workingDays as text', () => '/v1/calendar/deadline?from=2026-01-05T00:00:00Z&workingDays=ten', 'approver', 400, /querystring\.workingDays: .*expected number/, 'querystring.workingDays'),
  post('a JSON array for an object', decision, 'approver', () => [{ outcome: 'approve', opinion: '准予' }], 400, /expected object, received array/),
];

const bounds: Case[] = [
  post('decision opinion of 2001 characters', decision, 'approver', () => ({ outcome: 'approve', opinion: '准'.repeat(2001) }), 400, /body\.opinion: Too big: expected string to have <=2000 characters/, 'body.opinion'),
  post('an empty opinion (blank after trimming)', decision, 'approver', () => ({ outcome: 'approve', opinion: '   ' }), 400, /body\.opinion: Too small/, 'body.opinion'),
  post('applicant name of 201 characters', applications, 'approver', () => application({ applicant: { creditCode: freshCreditCode(), name: '某'.repeat(201), phone: '13700000041' } }), 400, /body\.applicant\.name: Too big: expected string to have <=200 characters/, 'body.applicant.name'),
  post('applicationNo of 65 characters', applications, 'approver', () => application({ applicationNo: `A${'1'.repeat(64)}` }), 400, /body\.applicationNo: 3-64 letters, digits/, 'body.applicationNo'),
  post('101 materials', applications, 'approver', () => application({ materials: Array.from({ length: 101 }, (_, i) => `材料${i}`) }), 400, /body\.materials: Too big: expected array to have <=100 items/, 'body.materials'),
  post('a phone that is not a mobile number', applications, 'approver', () => application({ applicant: { creditCode: freshCreditCode(), name: '某公司', phone: '0518-1234567' } }), 400, /body\.applicant\.phone: an 11-digit mainland mobile number/, 'body.applicant.phone'),
  post('findings of 4001 characters', inspection, 'food', () => ({ finishedAt: secondsNow(), findings: '查'.repeat(4001) }), 400, /body\.findings: Too big: expected string to have <=4000 characters/, 'body.findings'),
  post('a feedback note of 4001 characters', feedback, 'food', () => ({ result: 'compliant', note: '注'.repeat(4001) }), 400, /body\.note: Too big: expected string to have <=4000 characters/, 'body.note'),
  { name: 'a calendar notice of 501 characters', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通'.repeat(501), days: [] }), status: 400, detail: /body\.notice: Too big: expected string to have <=500 characters/, field: 'body.notice' },
];

const dates: Case[] = [
  get('deadline of 0 working days', () => '/v1/calendar/deadline?from=2026-01-05T00:00:00Z&workingDays=0', 'approver', 400, /querystring\.workingDays: Too small: expected number to be >=1/, 'querystring.workingDays'),
  get('deadline of 1000 working days', () => '/v1/calendar/deadline?from=2026-01-05T00:00:00Z&workingDays=1000', 'approver', 400, /querystring\.workingDays: Too big: expected number to be <=365/, 'querystring.workingDays'),
  get('deadline from a non-instant', () => '/v1/calendar/deadline?from=2026-01-05&workingDays=3', 'approver', 400, /querystring\.from: Invalid ISO datetime/, 'querystring.from'),
  get('statistics with from after to', () => '/v1/stats/timeliness?from=2025-11-30&to=2025-11-01', 'operator', 400, /querystring\.to: from must not be after to/, 'querystring.to'),
  get('statistics over two years', () => '/v1/stats/timeliness?from=2024-01-01&to=2025-12-31', 'operator', 400, /querystring\.to: a period of at most one year/, 'querystring.to'),
  get('statistics with a malformed day', () => '/v1/stats/timeliness?from=2025/11/01&to=2025-11-30', 'operator', 400, /querystring\.from: YYYY-MM-DD/, 'querystring.from'),
  get('a calendar year before 2000', () => '/v1/calendar/1999', 'approver', 400, /params\.year: Too small: expected number to be >=2000/, 'params.year'),
  { name: 'a calendar year after 2100', method: 'PUT', url: () => '/v1/calendar/2101', who: 'operator', body: () => ({ notice: '通知', days: [] }), status: 400, detail: /params\.year: Too big: expected number to be <=2100/, field: 'params.year' },
  { name: 'a calendar day that does not exist', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通知', days: [{ date: '2031-02-30', kind: 'holiday' }] }), status: 422, detail: /days\[0\]: 2031-02-30 is not a calendar date/ },
  { name: 'a calendar day outside the year', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通知', days: [{ date: '2031-10-01', kind: 'holiday' }, { date: '2029-10-01', kind: 'holiday' }] }), status: 422, detail: /days\[1\]: 2029-10-01 is outside 2031/ },
  { name: 'a make-up workday on a weekday', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', body: () => ({ notice: '通知', days: [{ date: '2031-10-08', kind: 'makeup-workday' }] }), status: 422, detail: /days\[0\]: 2031-10-08 is a weekday/ },
  post('inspection finished tomorrow (workflow validator)', inspection, 'food', () => ({ finishedAt: new Date(Date.now() + 86_400_000).toISOString(), findings: '现场检查' }), 422, /finishedAt .* is in the future/),
  post('inspection finished before the claim (workflow validator)', inspection, 'food', () => ({ finishedAt: '2020-01-01T00:00:00Z', findings: '现场检查' }), 422, /finishedAt .* is before the claim/),
  post('inspection time without an offset', inspection, 'food', () => ({ finishedAt: '2026-11-24T10:00:00', findings: '现场检查' }), 400, /body\.finishedAt: Invalid ISO datetime/, 'body.finishedAt'),
  post('rectification deadline in the past (workflow validator)', feedback, 'food', () => ({ result: 'rectification', note: '限期整改', rectificationDeadline: '2020-01-01T00:00:00Z' }), 422, /rectificationDeadline .* is not in the future/),
  post('rectification deadline on a compliant result', feedback, 'food', () => ({ result: 'compliant', rectificationDeadline: new Date(Date.now() + 86_400_000).toISOString() }), 422, /rectificationDeadline goes only with a rectification order/),
  post('commitment-untrue on a task that verifies no commitment', feedback, 'food', () => ({ result: 'commitment-untrue' }), 422, /does not verify a commitment/),
];

const pagination: Case[] = [
  get('limit 0', () => '/v1/tasks?limit=0', 'food', 400, /querystring\.limit: Too small: expected number to be >=1/, 'querystring.limit'),
  get('limit 1000', () => '/v1/tasks?limit=1000', 'food', 400, /querystring\.limit: Too big: expected number to be <=200/, 'querystring.limit'),
  get('offset -1', () => '/v1/tasks?offset=-1', 'food', 400, /querystring\.offset: Too small: expected number to be >=0/, 'querystring.offset'),
  get('limit 1.5', () => '/v1/tasks?limit=1.5', 'food', 400, /querystring\.limit: .*expected int/, 'querystring.limit'),
  get('limit as text', () => '/v1/tasks?limit=all', 'food', 400, /querystring\.limit: .*expected number/, 'querystring.limit'),
  get('outbox limit 1000', () => '/v1/notifications?limit=1000', 'operator', 400, /querystring\.limit: Too big: expected number to be <=200/, 'querystring.limit'),
  get('outbox offset -1', () => '/v1/notifications?offset=-1', 'operator', 400, /querystring\.offset: Too small: expected number to be >=0/, 'querystring.offset'),
];

const encodings: Case[] = [
  { name: 'malformed JSON', method: 'POST', url: decision, who: 'approver', ...raw(() => '{"outcome": "approve", "opinion": '), status: 400, detail: /not valid JSON/ },
  { name: 'malformed JSON in an application', method: 'POST', url: applications, who: 'approver', ...raw(() => "{'applicationNo': 'X'}"), status: 400, detail: /not valid JSON/ },
  { name: 'an empty JSON body', method: 'POST', url: decision, who: 'approver', ...raw(() => ''), status: 400, detail: /cannot be empty/ },
  { name: 'no body at all', method: 'POST', url: decision, who: 'approver', status: 400, detail: /expected object, received/ },
  { name: 'XML', method: 'POST', url: decision, who: 'approver', ...raw(() => '<decision outcome="approve"/>', 'application/xml'), status: 415, detail: /Unsupported Media Type/ },
  { name: 'a form', method: 'POST', url: applications, who: 'approver', ...raw(() => 'applicationNo=X&itemCode=SP-FOOD-01', 'application/x-www-form-urlencoded'), status: 415, detail: /Unsupported Media Type/ },
  { name: 'a calendar as CSV', method: 'PUT', url: () => '/v1/calendar/2031', who: 'operator', ...raw(() => 'date,kind\n2031-10-01,holiday', 'text/csv'), status: 415, detail: /Unsupported Media Type/ },
];

const groups: Array<[string, Case[]]> = [
  ['malformed credit codes', creditCodes],
  ['oversize bodies', sizes],
  ['unknown fields', unknownFields],
  ['wrong types', wrongTypes],
  ['strings and lists over their bounds', bounds],
  ['dates out of range', dates],
  ['pagination out of range', pagination],
  ['malformed JSON and wrong content types', encodings],
];

for (const [group, list] of groups) {
  describe(group, () => {
    it.each(list.map((c) => [`${c.name} → ${c.status}`, c] as const))('%s', async (_label, c) => {
      const before = { rows: await state(), views: await ownerViews() };
      const r: LightMyRequestResponse = await call(c.method, c.url(), c.who, c.body?.(), c.headers);
      expect(r.statusCode, r.body).toBe(c.status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = r.json();
      expect(problem).toMatchObject({ status: c.status, type: expect.stringMatching(/^urn:shenguan:problem:/), title: expect.any(String) });
      expect(problem.detail).toMatch(c.detail);
      if (c.field) expect(problem.errors.map((e: { field: string }) => e.field)).toContain(c.field);
      expect({ rows: await state(), views: await ownerViews() }).toEqual(before);
    });
  });
}

describe('the same objects accept good input', () => {
  // So the refusals above are about the input, not the state of the objects.
  it('a valid inspection, feedback and decision go through', async () => {
    const inspected = await call('POST', inspection(), 'food', { finishedAt: secondsNow(), findings: '现场检查，符合要求' });
    expect(inspected.statusCode, inspected.body).toBe(200);
    const fed = await call('POST', feedback(), 'food', { result: 'rectification', note: '限期整改', rectificationDeadline: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    expect(fed.statusCode, fed.body).toBe(200);
    expect(fed.json()).toMatchObject({ status: 'rectifying', rectificationRound: 1 });
    const decided = await call('POST', decision(), 'approver', { outcome: 'reject', opinion: '材料不全，不予许可' });
    expect(decided.statusCode, decided.body).toBe(200);
    expect((await call('GET', `/v1/calendar/deadline?from=2026-01-05T00:00:00Z&workingDays=365`, 'approver')).statusCode).toBe(200);
    expect((await call('GET', '/v1/tasks?limit=200&offset=0', 'food')).statusCode).toBe(200);
  });

  it('a JSON route refuses text/plain with 415', async () => {
    const r = await call('POST', decision(), 'approver', 'approve', { 'content-type': 'text/plain' });
    expect(r.statusCode).toBe(415);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
  });
});
