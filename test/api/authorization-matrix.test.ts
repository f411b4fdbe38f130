// OWASP API1 (broken object-level authorization) as a matrix: every action and object route ×
// every principal that is not the object's owner. Each cell is its own test: the answer is a
// problem+json refusal (401 without a token, 403 for a role or an object that is not the
// caller's, 404 for an object that does not exist), and nothing changed — the rows of the cases,
// tasks and linkages, the audit trail, the outbox, the catalog trail and the calendar, and the
// workflow state as the owner reads it. A route that answers per object (the bulk claim) answers
// a caller its role admits 200, with the object's refusal (403, 404) in the object's result. The
// last block shows the rightful owner CAN do each action once, so the matrix cannot pass by
// refusing everyone.
//
// Objects (item SP-FOOD-01 of approval department LYG-SPJ, linked to LYG-SJJ / LYG-SJJ-SPJY),
// each left in a state where its action is allowed for its owner:
//   decide     awaiting a decision                       → POST /decision, POST /forward (市县分工)
//   claim      approved; its task awaits the claim       → POST /claim, and the object of every read
//   bulk       approved; its task awaits the claim       → POST /v1/tasks/claim (bulk claim)
//   inspect    task claimed                              → POST /inspection
//   feedback   task awaiting feedback                    → POST /feedback
//   reinspect  task rectifying                           → POST /reinspection
//   external   task claimed                              → POST /external-result (the market-supervision platform)
//   revoke     task not rectified; revocation pending    → POST /revocation, and its task's result
//              received                                  → POST /results/{taskId}/acknowledge
//   materials  SP-MEDDEV-01, 材料延期, awaiting materials   → POST /materials
//   linkages   a proposed one (confirm), another (dispute), a disputed one (settle)
//   document   a PDF of LYG-SPJ that every case above names as a material → GET /v1/documents/{id}, /meta
//   punishment LYG-CJ-001 (issued by LYG-SJJ, implemented by LYG-SPJ) on a fresh entity → GET, POST /repair
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { asc, count, eq, inArray, sql } from 'drizzle-orm';
import { type Principal, type Role } from '../../api/auth.js';
import { auditEvents, calendarImports, calendarYears, cases, linkages, notifications, resultReceipts, tasks } from '../../db/schema/index.js';
import { applicationNoOf, database, freshCreditCode, testConfig, tokenFor, uniqueId, DEMO, waitForValue } from '../helpers.js';
import { pdfFile } from '../document-files.js';
import { creditCodeCheckChar } from '../../workflows/domain/credit-code.js';
import { startApiHarness, untilStable, type ApiHarness, ok } from './harness.js';

let app: FastifyInstance;
let harness: ApiHarness;
// The matrix makes a few thousand requests a minute from one address: lift the rate limit.
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('authz-tq'), RATE_LIMIT_MAX: '1000000' });

const people = {
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  otherApprover: { sub: 'approval:other-spj', role: 'approval', department: 'OTHER-SPJ' },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  /** The food division's admin (处室负责人): what the division may do, and 委派 besides. */
  foodAdmin: { sub: 'supervision:lyg-sjj-spjy-admin', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision, divisionAdmin: true },
  marketHead: { sub: 'supervision:lyg-sjj-head', role: 'supervision', department: DEMO.market },
  equipment: { sub: 'supervision:lyg-sjj-tzsb', role: 'supervision', department: DEMO.market, division: 'LYG-SJJ-TZSB' },
  health: { sub: 'supervision:lyg-wjw-ggws', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision },
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
  arbiter: { sub: 'arbiter:bianban', role: 'arbiter', region: '320700' },
  otherArbiter: { sub: 'arbiter:nanjing', role: 'arbiter', region: '320100' },
  operator: { sub: 'operator:ops', role: 'operator' },
  platform: { sub: 'platform:market-supervision', role: 'platform', platform: 'market-supervision', region: DEMO.region, department: DEMO.market },
  otherPlatform: { sub: 'platform:law-enforcement', role: 'platform', platform: 'law-enforcement', region: DEMO.region, department: DEMO.health },
  farPlatform: { sub: 'platform:internet-plus-320100', role: 'platform', platform: 'internet-plus-supervision', region: '320100' },
  hotline: { sub: 'hotline:12345-320700', role: 'hotline', hotline: '12345', region: DEMO.region },
  consumerHotline: { sub: 'hotline:12315-320700', role: 'hotline', hotline: '12315', region: DEMO.region },
} satisfies Record<string, Principal>;
type Who = keyof typeof people;
type Caller = Who | 'anonymous';
const everyone = Object.keys(people) as Who[];
const tokens = {} as Record<Who, string>;

/** The objects under test, filled in by beforeAll. */
const o = { complaint: '', plan: '', decide: '', claim: '', bulk: '', inspect: '', feedback: '', reinspect: '', revoke: '', external: '', materials: '', confirm: 0, dispute: 0, settle: 0, proposeItem: '', claimCredit: '', document: '', punishment: 0 };
const taskOf = (applicationNo: string) => `task-${applicationNo}.${DEMO.market}`;
const caseNos = () => [o.decide, o.claim, o.bulk, o.inspect, o.feedback, o.reinspect, o.revoke, o.external, o.materials];
const linkageIds = () => [o.confirm, o.dispute, o.settle];
const MISSING_NO = uniqueId('NOPE');
const MISSING_TASK = `task-${MISSING_NO}.${DEMO.market}`;
const MISSING_COMPLAINT = `C12345-${MISSING_NO}`;
/** A 12345 ticket about a food shop, of the item SP-FOOD-01: routed to the food division. */
const complaintTicket = () => ({ source: '12345', ticketId: uniqueId('AUTHZ').replace(/-/g, ''), enterprise: { creditCode: freshCreditCode(), name: '越权测试投诉商户' }, matter: '越权测试投诉', itemCode: 'SP-FOOD-01' });
const MISSING_LINKAGE = 2_147_483_000;
const MISSING_DOCUMENT = '00000000-0000-4000-8000-000000000000';
/** A seeded market entity of 320700, and a valid credit code that is in no directory. */
const DEMO_ENTITY = '91320700MA1P00010R';
const MISSING_ENTITY = `91320700MA1P00999${creditCodeCheckChar('91320700MA1P00999')}`;
const HARMLESS_YEAR = 2031;
/** Two certified officers of the food division in the seed's directory (委派). */
const DELEGATES = ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF03'];

beforeAll(async () => {
  harness = await startApiHarness(config);
  app = harness.app;
  for (const who of everyone) tokens[who] = await tokenFor(config, people[who]);
  await setUpObjects();
  await untilStable(dbState); // the set-up's workflows have stopped writing
}, 120_000);

afterAll(() => harness?.stop());

/** An object payload is sent as JSON; a file (a Buffer) with its `contentType`. */
const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: Caller, payload?: unknown, contentType?: string) =>
  app.inject({ method, url, headers: { ...(who !== 'anonymous' && { authorization: `Bearer ${tokens[who]}` }), ...(contentType && { 'content-type': contentType }) }, payload: payload as never });


const now = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

async function setUpObjects() {
  o.plan = `${DEMO.market}-${uniqueId('AUTHZ-PLAN')}`;
  await ok(await call('POST', '/v1/inspection-plans', 'marketHead', { planId: o.plan, name: '越权测试抽查计划', items: ['JG-FOOD-01'], periodStart: '2026-12-01', periodEnd: '2026-12-31' }), 201);
  o.document = (await ok(await call('POST', `/v1/documents?fileName=${encodeURIComponent('营业执照.pdf')}`, 'approver', pdfFile(), 'application/pdf'), 201)).documentId;
  const submit = async (itemCode = 'SP-FOOD-01', extra: Record<string, unknown> = {}) => {
    const applicationNo = applicationNoOf('AUTHZ');
    const materials = ['食品经营许可申请书', { name: '营业执照', documentId: o.document }];
    const body = { applicationNo, itemCode, applicant: { creditCode: freshCreditCode(), name: '越权测试食品有限公司', phone: '13700000031' }, materials, ...extra };
    const created = await ok(await call('POST', '/v1/applications', 'approver', body), 201);
    return { applicationNo, route: created.route as string };
  };
  const standard = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => submit()));
  [o.decide, o.claim, o.bulk, o.inspect, o.feedback, o.reinspect, o.revoke, o.external] = standard.map((s) => s.applicationNo) as [string, string, string, string, string, string, string, string];
  const deferred = await submit('SP-MEDDEV-01', { route: 'commitment', commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } });
  expect(deferred.route).toBe('commitment');
  o.materials = deferred.applicationNo;

  await Promise.all([o.claim, o.bulk, o.inspect, o.feedback, o.reinspect, o.revoke, o.external, o.materials].map(async (no) => ok(await call('POST', `/v1/applications/${no}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }))));
  const open = [o.claim, o.bulk, o.inspect, o.feedback, o.reinspect, o.revoke, o.external];
  // Waits for the claim notice, not just the task row, so the set-up's workflows are at rest
  // before the matrix runs (a claim before it would stand: test/workflows/claim-window.test.ts).
  await Promise.all(open.map((no) => waitForValue(`task of ${no} pushed`, async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskOf(no)}:claim-notice`))).length === 1)));
  await Promise.all(
    [o.inspect, o.feedback, o.reinspect, o.revoke, o.external].map(async (no) => {
      const id = taskOf(no);
      await ok(await call('POST', `/v1/tasks/${id}/claim`, 'food'));
      if (no === o.inspect || no === o.external) return;
      await ok(await call('POST', `/v1/tasks/${id}/inspection`, 'food', { finishedAt: now(), findings: '现场检查' }));
      if (no === o.feedback) return;
      await ok(await call('POST', `/v1/tasks/${id}/feedback`, 'food', { result: 'rectification', note: '限期整改' }));
      if (no === o.reinspect) return;
      await ok(await call('POST', `/v1/tasks/${id}/reinspection`, 'food', { rectified: false, note: '逾期未整改' }));
    }),
  );
  await waitForValue('revocation pending', async () => (await call('GET', `/v1/applications/${o.revoke}`, 'approver')).json().stage === 'revocation-pending');
  await waitForValue('awaiting materials', async () => (await call('GET', `/v1/applications/${o.materials}`, 'approver')).json().stage === 'awaiting-materials');
  await waitForValue('awaiting decision', async () => (await call('GET', `/v1/applications/${o.decide}`, 'approver')).json().stage === 'awaiting-decision');

  // Linkages on fresh items of LYG-SPJ, each naming LYG-SJJ.
  const newItem = async () => {
    const code = uniqueId('AUTHZ-ITEM');
    await ok(await call('POST', '/v1/approval-items', 'approver', { code, name: '越权测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: 10 }), 201);
    return code;
  };
  const propose = async () => (await ok(await call('POST', '/v1/linkages', 'approver', { approvalItemCode: await newItem(), supervisionDepartmentCode: DEMO.market }), 201)).id as number;
  o.confirm = await propose();
  o.dispute = await propose();
  o.settle = await propose();
  await ok(await call('POST', `/v1/linkages/${o.settle}/dispute`, 'approver', { reason: '提议有误，请编办裁定' }));
  o.proposeItem = await newItem();
  // A complaint whose task the food division has claimed: its reply is allowed.
  o.complaint = (await ok(await call('POST', '/v1/complaints', 'hotline', complaintTicket()), 201)).complaintNo;
  const complaintTask = `task-${o.complaint}.${DEMO.market}`;
  await waitForValue('complaint task pushed', async () => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${complaintTask}:claim-notice`))).length === 1);
  await ok(await call('POST', `/v1/tasks/${complaintTask}/claim`, 'food'));
  o.claimCredit = (await database().db.select({ c: cases.applicantCreditCode }).from(cases).where(eq(cases.applicationNo, o.claim)))[0]!.c;
  o.punishment = (await ok(await call('POST', '/v1/joint-punishments', 'marketHead', { creditCode: freshCreditCode(), measureCode: 'LYG-CJ-001', decisionNo: uniqueId('AUTHZ-CJ'), reason: '越权测试的联合惩戒' }), 201)).id;
}

// ── what must not change ──

type Counts = Record<string, number>;
async function dbState() {
  const { db } = database();
  const nos = caseNos();
  const [caseRows, taskRows, linkageRows, trail, year, counts, receipts] = await Promise.all([
    db.select().from(cases).where(inArray(cases.applicationNo, nos)).orderBy(asc(cases.applicationNo)),
    db.select().from(tasks).where(inArray(tasks.applicationNo, nos)).orderBy(asc(tasks.taskId)),
    db.select().from(linkages).where(inArray(linkages.id, linkageIds())).orderBy(asc(linkages.id)),
    db.select({ applicationNo: auditEvents.applicationNo, n: count() }).from(auditEvents).where(inArray(auditEvents.applicationNo, nos)).groupBy(auditEvents.applicationNo).orderBy(asc(auditEvents.applicationNo)),
    db.select().from(calendarYears).where(eq(calendarYears.year, HARMLESS_YEAR)),
    db.execute<Counts>(sql`select
      (select count(*)::int from cases) as cases,
      (select count(*)::int from complaints) as complaints,
      (select count(*)::int from complaints where replied_at is not null) as complaints_replied,
      (select count(*)::int from complaint_replies) as complaint_replies,
      (select count(*)::int from tasks) as tasks,
      (select count(*)::int from audit_events) as audit_events,
      (select count(*)::int from notifications) as notifications,
      (select count(*)::int from credit_records) as credit_records,
      (select count(*)::int from dossiers) as dossiers,
      (select count(*)::int from documents) as documents,
      (select count(*)::int from linkages) as linkages,
      (select count(*)::int from catalog_changes) as catalog_changes,
      (select count(*)::int from approval_items) as approval_items,
      (select count(*)::int from approval_item_versions) as approval_item_versions,
      (select count(*)::int from supervision_items) as supervision_items,
      (select count(*)::int from departments) as departments,
      (select count(*)::int from divisions) as divisions,
      (select count(*)::int from market_entities) as market_entities,
      (select count(*)::int from inspector_conflicts) as inspector_conflicts,
      (select count(*)::int from inspection_plans where status <> 'draft') as committed_plans,
      (select count(*)::int from calendar_years) as calendar_years,
      (select count(*)::int from calendar_imports) as calendar_imports,
      (select count(*)::int from region_calendar_days) as region_calendar_days,
      (select count(*)::int from result_receipts where acknowledged_at is not null) as acknowledged_results,
      (select count(*)::int from calendar_days where year = ${HARMLESS_YEAR}) as calendar_days_of_year,
      (select count(*)::int from leniency_entries) as leniency_entries,
      (select count(*)::int from joint_punishment_measures) as joint_punishment_measures,
      (select count(*)::int from list_entry_versions) as list_entry_versions,
      (select count(*)::int from entity_punishments) as entity_punishments,
      (select count(*)::int from entity_punishments where repaired_at is not null) as repaired_punishments`),
    db.select().from(resultReceipts).where(inArray(resultReceipts.applicationNo, nos)).orderBy(asc(resultReceipts.taskId)),
  ]);
  return { caseRows, taskRows, linkageRows, trail, year, counts: counts[0], receipts };
}


// ── the matrix ──

interface Route {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  url: () => string;
  body?: () => unknown;
  /** Roles the route admits at all (the onRequest check). */
  roles: readonly Role[];
  /** Who may do it to this object. */
  allowed: readonly Who[];
  /** For a 404 cell: the same route on an object that does not exist. */
  missingUrl?: () => string;
  /** For a 404 cell of a route that names its objects in the body. */
  missingBody?: () => unknown;
  /** The body's content type when it is a file (a Buffer), not JSON. */
  contentType?: string;
  /** The owner's view of the object's workflow state, compared before and after. */
  view?: () => Promise<unknown>;
  /** GET /v1/tasks: a stranger with the role gets 200 with the task not listed. */
  inbox?: true;
  /** GET /v1/applications: a stranger with the role gets 200 with none of the cases listed. */
  worklist?: true;
  /** To a stranger with the role the object does not exist: 404, not 403. */
  hidden?: true;
  /** A route that answers per object (the bulk claim): to a caller with the role, 200 with the object's refusal in its result. */
  perObject?: true;
}

const ownerCase = async (no: string) => {
  const [detail, events] = await Promise.all([call('GET', `/v1/applications/${no}`, 'approver'), call('GET', `/v1/applications/${no}/events`, 'approver')]);
  return { detail: detail.json(), events: events.json() };
};
const ownerTask = async (no: string) => ({ task: (await call('GET', `/v1/tasks/${taskOf(no)}`, 'food')).json(), case: await ownerCase(no) });
const linkageView = async () => (await call('GET', '/v1/linkages?departmentCode=LYG-SJJ', 'operator')).json();
const supervisionSide: Who[] = ['food', 'foodAdmin', 'marketHead', 'equipment'];
const ownerComplaint = async () => (await call('GET', `/v1/complaints/${o.complaint}`, 'food')).json();

const routes: Route[] = [
  {
    name: 'POST /v1/applications',
    method: 'POST',
    url: () => '/v1/applications',
    body: () => ({ applicationNo: applicationNoOf('AUTHZ-X'), itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '越权申请', phone: '13700000032' } }),
    roles: ['approval'],
    allowed: ['approver'],
  },
  {
    name: 'POST /v1/applications/{no}/decision',
    method: 'POST',
    url: () => `/v1/applications/${o.decide}/decision`,
    body: () => ({ outcome: 'approve', opinion: '越权审批' }),
    roles: ['approval'],
    allowed: ['approver'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/decision`,
    view: () => ownerCase(o.decide),
  },
  {
    name: 'POST /v1/applications/{no}/forward',
    method: 'POST',
    url: () => `/v1/applications/${o.decide}/forward`,
    body: () => ({ toDepartment: 'HZ-SPJ', reason: '越权转办' }),
    roles: ['approval'],
    allowed: ['approver'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/forward`,
    view: () => ownerCase(o.decide),
  },
  {
    name: 'POST /v1/applications/{no}/materials',
    method: 'POST',
    url: () => `/v1/applications/${o.materials}/materials`,
    body: () => ({ materials: ['质量管理制度'] }),
    roles: ['approval'],
    allowed: ['approver'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/materials`,
    view: () => ownerCase(o.materials),
  },
  {
    name: 'POST /v1/applications/{no}/revocation',
    method: 'POST',
    url: () => `/v1/applications/${o.revoke}/revocation`,
    body: () => ({ reason: '越权撤销' }),
    roles: ['approval'],
    allowed: ['approver'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/revocation`,
    view: () => ownerCase(o.revoke),
  },
  {
    name: 'GET /v1/applications/{no}',
    method: 'GET',
    url: () => `/v1/applications/${o.claim}`,
    roles: ['approval', 'supervision', 'operator'],
    // A division reads the cases it supervises; another division of the department does not.
    allowed: ['approver', 'operator', 'food', 'foodAdmin', 'marketHead'],
    missingUrl: () => `/v1/applications/${MISSING_NO}`,
    view: () => ownerCase(o.claim),
  },
  {
    name: 'GET /v1/applications/{no}/events',
    method: 'GET',
    url: () => `/v1/applications/${o.claim}/events`,
    roles: ['approval', 'supervision', 'operator'],
    allowed: ['approver', 'operator', 'food', 'foodAdmin', 'marketHead'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/events`,
    view: () => ownerCase(o.claim),
  },
  {
    name: 'GET /v1/applications (worklist)',
    method: 'GET',
    url: () => `/v1/applications?creditCode=${o.claimCredit}`,
    roles: ['approval', 'operator'],
    // The approval department's own cases; an operator's all.
    allowed: ['approver', 'operator'],
    worklist: true,
  },
  {
    name: 'POST /v1/applications/{no}/results/{taskId}/acknowledge',
    method: 'POST',
    url: () => `/v1/applications/${o.revoke}/results/${taskOf(o.revoke)}/acknowledge`,
    roles: ['approval'],
    allowed: ['approver'],
    missingUrl: () => `/v1/applications/${MISSING_NO}/results/${MISSING_TASK}/acknowledge`,
    view: () => ownerCase(o.revoke),
  },
  {
    name: 'GET /v1/tasks/{id}',
    method: 'GET',
    url: () => `/v1/tasks/${taskOf(o.claim)}`,
    roles: ['supervision', 'operator'],
    allowed: ['food', 'foodAdmin', 'marketHead', 'operator'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}`,
    view: () => ownerTask(o.claim),
  },
  {
    name: 'GET /v1/tasks (inbox)',
    method: 'GET',
    url: () => `/v1/tasks?applicationNo=${o.claim}`,
    roles: ['supervision', 'operator'],
    allowed: ['food', 'foodAdmin', 'marketHead', 'operator'],
    inbox: true,
  },
  {
    name: 'POST /v1/tasks/{id}/claim',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.claim)}/claim`,
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/claim`,
    view: () => ownerTask(o.claim),
  },
  {
    name: 'POST /v1/tasks/{id}/delegation',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.claim)}/delegation`,
    body: () => ({ inspectors: DELEGATES }),
    roles: ['supervision'],
    // 委派: the admin of the task's division only — not its other staff, not the department head.
    allowed: ['foodAdmin'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/delegation`,
    view: () => ownerTask(o.claim),
  },
  {
    name: 'POST /v1/tasks/claim (bulk)',
    method: 'POST',
    url: () => '/v1/tasks/claim',
    body: () => ({ taskIds: [taskOf(o.bulk)] }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingBody: () => ({ taskIds: [MISSING_TASK] }),
    view: () => ownerTask(o.bulk),
    perObject: true,
  },
  {
    name: 'POST /v1/tasks/{id}/inspection',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.inspect)}/inspection`,
    body: () => ({ finishedAt: now(), findings: '越权检查' }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/inspection`,
    view: () => ownerTask(o.inspect),
  },
  {
    name: 'POST /v1/tasks/{id}/feedback',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.feedback)}/feedback`,
    body: () => ({ result: 'compliant', note: '越权反馈' }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/feedback`,
    view: () => ownerTask(o.feedback),
  },
  {
    name: 'POST /v1/tasks/{id}/reinspection',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.reinspect)}/reinspection`,
    body: () => ({ rectified: true, note: '越权复查' }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/reinspection`,
    view: () => ownerTask(o.reinspect),
  },
  {
    name: 'POST /v1/tasks/{id}/external-result',
    method: 'POST',
    url: () => `/v1/tasks/${taskOf(o.external)}/external-result`,
    body: () => ({ recordId: 'AUTHZ-REC-1', finishedAt: now(), findings: '越权结果', result: 'compliant', note: '' }),
    roles: ['platform'],
    // The platform serving the task's region and department; not another department's, not another region's.
    allowed: ['platform'],
    missingUrl: () => `/v1/tasks/${MISSING_TASK}/external-result`,
    view: () => ownerTask(o.external),
  },
  {
    name: 'POST /v1/complaints',
    method: 'POST',
    url: () => '/v1/complaints',
    body: complaintTicket,
    roles: ['hotline'],
    // The 12345 hotline files 12345 tickets; the 12315 one may not file them.
    allowed: ['hotline'],
  },
  {
    name: 'GET /v1/complaints/{no}',
    method: 'GET',
    url: () => `/v1/complaints/${o.complaint}`,
    roles: ['supervision', 'regional-admin', 'operator', 'hotline'],
    // Its division and department head, its region's admin, the hotline that filed it, the operator.
    allowed: ['food', 'foodAdmin', 'marketHead', 'admin', 'operator', 'hotline'],
    missingUrl: () => `/v1/complaints/${MISSING_COMPLAINT}`,
    view: ownerComplaint,
  },
  {
    name: 'POST /v1/complaints/{no}/reply',
    method: 'POST',
    url: () => `/v1/complaints/${o.complaint}/reply`,
    body: () => ({ outcome: 'unsubstantiated', text: '越权答复' }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/complaints/${MISSING_COMPLAINT}/reply`,
    view: ownerComplaint,
  },
  {
    name: 'POST /v1/complaints/{no}/forward',
    method: 'POST',
    url: () => `/v1/complaints/${o.complaint}/forward`,
    body: () => ({ departmentCode: DEMO.health, reason: '越权转办' }),
    roles: ['supervision'],
    // The division that holds it only: not its department head, not the department it would go to.
    allowed: ['food', 'foodAdmin'],
    missingUrl: () => `/v1/complaints/${MISSING_COMPLAINT}/forward`,
    view: ownerComplaint,
  },
  {
    name: 'POST /v1/linkages',
    method: 'POST',
    url: () => '/v1/linkages',
    body: () => ({ approvalItemCode: o.proposeItem, supervisionDepartmentCode: DEMO.health }),
    roles: ['approval'],
    allowed: ['approver'],
  },
  {
    name: 'POST /v1/linkages/{id}/confirm',
    method: 'POST',
    url: () => `/v1/linkages/${o.confirm}/confirm`,
    body: () => ({ supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision }),
    roles: ['supervision'],
    // The named department confirms; a division only for itself (docs/decisions.md, Catalogs).
    allowed: ['food', 'foodAdmin', 'marketHead'],
    missingUrl: () => `/v1/linkages/${MISSING_LINKAGE}/confirm`,
    view: linkageView,
  },
  {
    name: 'POST /v1/linkages/{id}/dispute',
    method: 'POST',
    url: () => `/v1/linkages/${o.dispute}/dispute`,
    body: () => ({ reason: '越权异议' }),
    roles: ['approval', 'supervision'],
    allowed: ['approver', ...supervisionSide],
    missingUrl: () => `/v1/linkages/${MISSING_LINKAGE}/dispute`,
    view: linkageView,
  },
  {
    name: 'POST /v1/linkages/{id}/settle',
    method: 'POST',
    url: () => `/v1/linkages/${o.settle}/settle`,
    body: () => ({ decision: 'reject', note: '越权裁定' }),
    roles: ['arbiter'],
    // An arbiter of another region does not settle this region's linkages.
    allowed: ['arbiter'],
    missingUrl: () => `/v1/linkages/${MISSING_LINKAGE}/settle`,
    view: linkageView,
  },
  {
    name: 'POST /v1/approval-items',
    method: 'POST',
    url: () => '/v1/approval-items',
    body: () => ({ code: uniqueId('AUTHZ-X'), name: '越权事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: 10 }),
    roles: ['regional-admin', 'approval'],
    allowed: ['approver', 'admin'],
  },
  {
    name: 'POST /v1/supervision-items',
    method: 'POST',
    url: () => '/v1/supervision-items',
    body: () => ({ code: uniqueId('AUTHZ-JG'), name: '越权监管事项', departmentCode: DEMO.market }),
    roles: ['regional-admin', 'supervision'],
    allowed: ['admin', ...supervisionSide],
  },
  {
    name: 'POST /v1/departments',
    method: 'POST',
    url: () => '/v1/departments',
    body: () => ({ code: uniqueId('AUTHZ-D'), name: '越权部门', regionCode: DEMO.region, side: 'supervision' }),
    roles: ['regional-admin'],
    allowed: ['admin'],
  },
  {
    name: 'GET /v1/market-entities/{creditCode}',
    method: 'GET',
    url: () => `/v1/market-entities/${DEMO_ENTITY}`,
    roles: ['supervision', 'regional-admin', 'operator'],
    // The directory is the region's: its departments, its admin, operators.
    allowed: ['food', 'foodAdmin', 'marketHead', 'equipment', 'health', 'admin', 'operator'],
    missingUrl: () => `/v1/market-entities/${MISSING_ENTITY}`,
  },
  {
    name: 'POST /v1/inspectors/{id}/conflicts',
    method: 'POST',
    url: () => '/v1/inspectors/LYG-SJJ-ZF01/conflicts',
    body: () => ({ creditCode: DEMO_ENTITY, reason: '越权登记回避' }),
    roles: ['supervision', 'regional-admin'],
    // The officer's division, its department's head, the region's admin.
    allowed: ['food', 'foodAdmin', 'marketHead', 'admin'],
    missingUrl: () => '/v1/inspectors/LYG-SJJ-NOPE/conflicts',
  },
  {
    name: 'GET /v1/inspection-plans/{planId}',
    method: 'GET',
    url: () => `/v1/inspection-plans/${o.plan}`,
    roles: ['supervision', 'regional-admin', 'operator'],
    allowed: ['food', 'foodAdmin', 'marketHead', 'equipment', 'admin', 'operator'],
    missingUrl: () => `/v1/inspection-plans/${DEMO.market}-NOPE`,
  },
  {
    name: 'POST /v1/inspection-plans/{planId}/commit',
    method: 'POST',
    url: () => `/v1/inspection-plans/${o.plan}/commit`,
    body: () => ({ beacon: '越权', beaconSource: '越权' }),
    roles: ['supervision'],
    allowed: ['food', 'foodAdmin', 'marketHead', 'equipment'],
    missingUrl: () => `/v1/inspection-plans/${DEMO.market}-NOPE/commit`,
    view: async () => (await call('GET', `/v1/inspection-plans/${o.plan}`, 'operator')).json(),
  },
  {
    name: 'POST /v1/divisions',
    method: 'POST',
    url: () => '/v1/divisions',
    body: () => ({ code: uniqueId('AUTHZ-V'), departmentCode: DEMO.market, name: '越权处室', adminName: '某处长', adminPhone: '13800000099' }),
    roles: ['regional-admin'],
    allowed: ['admin'],
  },
  {
    name: `PUT /v1/calendar/${HARMLESS_YEAR}`,
    method: 'PUT',
    url: () => `/v1/calendar/${HARMLESS_YEAR}`,
    body: () => ({ notice: '越权导入的节假日安排', days: [{ date: `${HARMLESS_YEAR}-10-01`, kind: 'holiday', name: '国庆节' }] }),
    roles: ['operator'],
    // The national schedule moves every region's deadlines: the platform operator's alone.
    allowed: ['operator'],
    view: async () => (await call('GET', `/v1/calendar/${HARMLESS_YEAR}`, 'operator')).json(),
  },
  {
    name: `PUT /v1/calendar/${HARMLESS_YEAR}/regions/320700`,
    method: 'PUT',
    url: () => `/v1/calendar/${HARMLESS_YEAR}/regions/${DEMO.region}`,
    body: () => ({ notice: '越权设定的地方节日', days: [{ date: `${HARMLESS_YEAR}-06-01`, kind: 'holiday', name: '地方节日' }] }),
    roles: ['regional-admin'],
    // A region's own days: its regional admin's alone (not another region's, not the operator).
    allowed: ['admin'],
    view: async () => (await call('GET', `/v1/calendar/${HARMLESS_YEAR}/regions/${DEMO.region}`, 'operator')).json(),
  },
  {
    name: 'POST /v1/notifications/{key}/resend',
    method: 'POST',
    url: () => `/v1/notifications/${encodeURIComponent(`${taskOf(o.claim)}:claim-notice`)}/resend`,
    body: () => ({ reason: '越权补发' }),
    roles: ['operator'],
    // The outbox is the platform operator's (its sending is shown in sms-receipts.test.ts).
    allowed: ['operator'],
  },
  {
    name: 'POST /v1/documents',
    method: 'POST',
    url: () => '/v1/documents',
    body: () => pdfFile(),
    contentType: 'application/pdf',
    roles: ['approval'],
    // Any approval department stores files of its own; the matrix's refusals store nothing.
    allowed: ['approver', 'otherApprover'],
  },
  {
    name: 'GET /v1/documents/{id}',
    method: 'GET',
    url: () => `/v1/documents/${o.document}`,
    roles: ['approval', 'supervision', 'operator'],
    // Its department, the supervisors of a case whose dossier names it, the operator; to anyone
    // else with the role it does not exist.
    allowed: ['approver', 'food', 'foodAdmin', 'marketHead', 'operator'],
    missingUrl: () => `/v1/documents/${MISSING_DOCUMENT}`,
    hidden: true,
  },
  {
    name: 'GET /v1/documents/{id}/meta',
    method: 'GET',
    url: () => `/v1/documents/${o.document}/meta`,
    roles: ['approval', 'supervision', 'operator'],
    allowed: ['approver', 'food', 'foodAdmin', 'marketHead', 'operator'],
    missingUrl: () => `/v1/documents/${MISSING_DOCUMENT}/meta`,
    hidden: true,
  },
  {
    name: 'GET /v1/applicants/{creditCode}',
    method: 'GET',
    url: () => `/v1/applicants/${o.claimCredit}`,
    roles: ['approval', 'supervision', 'regional-admin', 'operator'],
    // Those with a case or a task of the enterprise, its region's admin, the operator.
    allowed: ['approver', 'food', 'foodAdmin', 'marketHead', 'admin', 'operator'],
    hidden: true,
  },
  {
    name: 'POST /v1/leniency-entries',
    method: 'POST',
    url: () => '/v1/leniency-entries',
    body: () => ({ code: uniqueId('AUTHZ-BF'), regionCode: DEMO.region, departmentCode: DEMO.market, kind: 'first-offence', matter: '越权清单', legalBasis: '《行政处罚法》第三十三条', itemCodes: ['SP-FOOD-01'] }),
    roles: ['regional-admin', 'supervision'],
    // The region's admin, or the department that applies the entry (any of its divisions).
    allowed: ['admin', ...supervisionSide],
  },
  {
    name: 'POST /v1/joint-punishment-measures',
    method: 'POST',
    url: () => '/v1/joint-punishment-measures',
    body: () => ({ code: uniqueId('AUTHZ-CJ'), regionCode: DEMO.region, name: '越权措施', category: '行政性约束', legalBasis: '国发〔2016〕33号', departmentCode: DEMO.market, implementingDepartmentCodes: [DEMO.approvalDepartment], durationMonths: 12 }),
    roles: ['regional-admin', 'approval', 'supervision'],
    // The region's admin, or the issuing department (惩戒发起单位).
    allowed: ['admin', ...supervisionSide],
  },
  {
    name: 'POST /v1/joint-punishments',
    method: 'POST',
    url: () => '/v1/joint-punishments',
    body: () => ({ creditCode: freshCreditCode(), measureCode: 'LYG-CJ-001', decisionNo: uniqueId('AUTHZ-CJ'), reason: '越权惩戒' }),
    roles: ['approval', 'supervision'],
    // Only the measure's issuing department decides; its implementing department does not.
    allowed: supervisionSide,
  },
  {
    name: 'GET /v1/joint-punishments/{id}',
    method: 'GET',
    url: () => `/v1/joint-punishments/${o.punishment}`,
    roles: ['approval', 'supervision', 'regional-admin', 'operator'],
    // The issuing and implementing departments, the region's admin, the operator.
    allowed: ['approver', ...supervisionSide, 'admin', 'operator'],
    missingUrl: () => '/v1/joint-punishments/2147483000',
  },
  {
    name: 'POST /v1/joint-punishments/{id}/repair',
    method: 'POST',
    url: () => `/v1/joint-punishments/${o.punishment}/repair`,
    body: () => ({ reason: '越权修复', basis: '无' }),
    roles: ['approval', 'supervision', 'regional-admin'],
    // 信用修复: the issuing department, or the region's admin; not the implementing department.
    allowed: [...supervisionSide, 'admin'],
    missingUrl: () => '/v1/joint-punishments/2147483000/repair',
    view: async () => (await call('GET', `/v1/joint-punishments/${o.punishment}`, 'operator')).json(),
  },
  {
    name: 'GET /v1/reports/monthly',
    method: 'GET',
    url: () => `/v1/reports/monthly?region=${DEMO.region}&month=2025-11`,
    roles: ['operator', 'regional-admin'],
    // The 通报 of a region: the operator's, and that region's admin's (not another region's).
    allowed: ['admin', 'operator'],
    missingUrl: () => '/v1/reports/monthly?region=NOPE-REGION&month=2025-11',
  },
];

interface Cell {
  route: Route;
  who: Caller;
  missing: boolean;
  status: number;
  /** A per-object route's refusal of the object, inside its 200. */
  objectStatus?: number;
  label: string;
}

const cells: Cell[] = [];
for (const route of routes) {
  const label = (who: Caller, status: number, missing = false, objectStatus?: number) => `${route.name}${missing ? ' (no such object)' : ''} × ${who} → ${status}${objectStatus ? ` [${objectStatus}]` : ''}`;
  /** The cell of a refusal: a per-object route answers 200 with it to a caller its role admits. */
  const refusal = (who: Who, status: number, missing: boolean): Cell =>
    route.perObject && route.roles.includes(people[who].role)
      ? { route, who, missing, status: 200, objectStatus: status, label: label(who, 200, missing, status) }
      : { route, who, missing, status, label: label(who, status, missing) };
  cells.push({ route, who: 'anonymous', missing: false, status: 401, label: label('anonymous', 401) });
  for (const who of everyone) {
    if (route.allowed.includes(who)) continue;
    const roleAdmitted = route.roles.includes(people[who].role);
    // A stranger's inbox or worklist answers, without the object; every other refusal is 403.
    const status = (route.inbox || route.worklist) && roleAdmitted ? 200 : route.hidden && roleAdmitted ? 404 : 403;
    cells.push(route.inbox || route.worklist ? { route, who, missing: false, status, label: label(who, status) } : refusal(who, status, false));
  }
  if (route.missingUrl || route.missingBody) {
    for (const who of everyone) {
      const status = route.roles.includes(people[who].role) ? 404 : 403;
      cells.push(refusal(who, status, true));
    }
  }
}

async function cellState(route: Route) {
  return { db: await dbState(), view: route.view ? await route.view() : null };
}

function expectProblem(r: LightMyRequestResponse, status: number) {
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = r.json();
  expect(p).toMatchObject({ status, type: expect.stringMatching(/^urn:shenguan:problem:/), title: expect.any(String), detail: expect.any(String) });
  expect(p.detail.length).toBeGreaterThan(0);
}

describe('authorization matrix: route × principal', () => {
  it('has a cell for every route and every principal that is not the owner', () => {
    expect(new Set(cells.map((c) => c.label)).size).toBe(cells.length);
    expect(cells.length).toBeGreaterThan(250);
  });

  it.each(cells.map((c) => [c.label, c] as const))('%s', async (_label, { route, who, missing, status, objectStatus }) => {
    const before = await cellState(route);
    const body = missing && route.missingBody ? route.missingBody() : route.body?.();
    const r = await call(route.method, missing && route.missingUrl ? route.missingUrl() : route.url(), who, body, route.contentType);
    expect(r.statusCode, r.body).toBe(status);
    if (status >= 400) {
      expectProblem(r, status);
      const role = who === 'anonymous' ? null : people[who].role;
      if (status === 403 && role && !route.roles.includes(role)) expect(r.json().detail).toMatch(new RegExp(`^role ${role} may not`));
      // An object refusal says whose object it is, not just "forbidden".
      if (status === 403 && role && route.roles.includes(role)) expect(r.json().detail).toMatch(/belongs to|not a case of yours|only|may not|handled by|is in region/);
      if (status === 404) expect(r.json().detail).toMatch(/does not exist/);
      // A hidden object's 404 names nothing of its owner.
      if (status === 404 && route.hidden) expect(r.body.replaceAll(o.claimCredit, '')).not.toMatch(new RegExp(`${DEMO.approvalDepartment}|${DEMO.market}|${DEMO.region}|${o.claim}`));
    } else if (route.worklist) {
      // The stranger's worklist: none of the cases, by their applicant or by none.
      expect(r.json()).toEqual({ items: [], nextCursor: null });
      const all = (await call('GET', '/v1/applications?limit=200', who)).json();
      expect(all.items.map((c: { applicationNo: string }) => c.applicationNo).filter((no: string) => caseNos().includes(no))).toEqual([]);
    } else if (objectStatus) {
      // Per object: each named one refused as the single route would refuse it, with its reason.
      const named = (body as { taskIds: string[] }).taskIds;
      expect(r.json()).toEqual({ results: named.map((taskId) => ({ taskId, status: objectStatus, detail: expect.any(String) })) });
      if (objectStatus === 403) expect(r.json().results[0].detail).toMatch(/belongs to/);
      if (objectStatus === 404) expect(r.json().results[0].detail).toMatch(/does not exist/);
    } else {
      // The stranger's inbox: the task is not there, by any filter or none.
      expect(r.json()).toMatchObject({ total: 0, items: [] });
      const byCode = (await call('GET', `/v1/tasks?creditCode=${before.db.taskRows.find((t) => t.taskId === taskOf(o.claim))!.applicantCreditCode}`, who)).json();
      expect(byCode.items).toEqual([]);
      const all = (await call('GET', '/v1/tasks?limit=200', who)).json();
      expect(all.items.map((t: { taskId: string }) => t.taskId)).not.toContain(taskOf(o.claim));
    }
    expect(await cellState(route)).toEqual(before);
  });

  // Numbers are unique per approval department: another department cannot take this one's
  // (taken or not, the same refusal: it learns nothing of the case), nor squat a free one.
  it("POST /v1/applications with LYG-SPJ's numbers × OTHER-SPJ → 403, taken or free, the same answer", async () => {
    const before = await cellState(routes.find((r) => r.name === 'GET /v1/applications/{no}')!);
    const details = [];
    for (const applicationNo of [o.claim, applicationNoOf('FREE')]) {
      const r = await call('POST', '/v1/applications', 'otherApprover', { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: 'x', phone: '13700000031' } });
      expectProblem(r, 403);
      details.push(r.json().detail);
    }
    expect(details[0]).toBe(details[1]);
    expect(details[0]).toMatch(/OTHER-SPJ may number its applications only in its own space "OTHER-SPJ-…".*unique per approval department/);
    expect(await cellState(routes.find((r) => r.name === 'GET /v1/applications/{no}')!)).toEqual(before);
  });
});

// ── and the owner can ──

describe('the rightful owner can do each action once', () => {
  it('reads the case, its trail and the task; the owning division and its head see the task in the inbox', async () => {
    for (const who of ['approver', 'operator', 'food', 'marketHead'] as const) {
      expect((await ok(await call('GET', `/v1/applications/${o.claim}`, who))).applicationNo).toBe(o.claim);
      expect((await ok(await call('GET', `/v1/applications/${o.claim}/events`, who))).items.length).toBeGreaterThan(0);
    }
    for (const who of ['food', 'marketHead', 'operator'] as const) {
      // The task's readers read the dossier pushed with it.
      expect(await ok(await call('GET', `/v1/tasks/${taskOf(o.claim)}`, who))).toMatchObject({
        taskId: taskOf(o.claim),
        dossier: { decision: { outcome: 'approve', opinion: '准予许可' }, materials: [{ name: '食品经营许可申请书', document: null }, { name: '营业执照', document: { documentId: o.document } }] },
      });
      expect((await ok(await call('GET', `/v1/tasks?applicationNo=${o.claim}`, who))).items.map((t: { taskId: string }) => t.taskId)).toEqual([taskOf(o.claim)]);
    }
  });

  it("a document: its department stores one, and it, the case's supervisors and the operator read it", async () => {
    for (const who of ['approver', 'otherApprover'] as const) {
      const file = pdfFile();
      expect(await ok(await call('POST', '/v1/documents', who, file, 'application/pdf'), 201)).toMatchObject({ size: file.length, departmentCode: people[who].department });
    }
    const meta = await ok(await call('GET', `/v1/documents/${o.document}/meta`, 'approver'));
    expect(meta).toMatchObject({ documentId: o.document, mediaType: 'application/pdf', fileName: '营业执照.pdf' });
    for (const who of ['approver', 'food', 'marketHead', 'operator'] as const) {
      const r = await call('GET', `/v1/documents/${o.document}`, who);
      expect(r.statusCode, who).toBe(200);
      expect(r.rawPayload.length).toBe(meta.size);
      expect(await ok(await call('GET', `/v1/documents/${o.document}/meta`, who))).toEqual(meta);
    }
  });

  it('approval department: lists its cases, and acknowledges a result once (a repeat answers the same)', async () => {
    for (const who of ['approver', 'operator'] as const) {
      const listed = await ok(await call('GET', `/v1/applications?creditCode=${o.claimCredit}`, who));
      expect(listed.items.map((c: { applicationNo: string }) => c.applicationNo)).toEqual([o.claim]);
    }
    const url = `/v1/applications/${o.revoke}/results/${taskOf(o.revoke)}/acknowledge`;
    const first = await ok(await call('POST', url, 'approver'));
    expect(first).toMatchObject({ taskId: taskOf(o.revoke), outcome: 'revocation-requested', acknowledged: true, acknowledgedBy: { sub: people.approver.sub } });
    expect(await ok(await call('POST', url, 'approver'))).toEqual(first);
  });

  it('approval department: submits, decides, receives materials, revokes', async () => {
    const submitted = routes.find((r) => r.name === 'POST /v1/applications')!.body!() as { applicationNo: string };
    expect((await ok(await call('POST', '/v1/applications', 'approver', submitted), 201)).applicationNo).toBe(submitted.applicationNo);
    expect(await ok(await call('POST', `/v1/applications/${o.decide}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }))).toMatchObject({ decision: 'approve', licenceStatus: 'issued' });
    expect(await ok(await call('POST', `/v1/applications/${o.materials}/materials`, 'approver', { materials: ['质量管理制度'] }))).toMatchObject({ applicationNo: o.materials });
    await waitForValue('licence issued', async () => (await call('GET', `/v1/applications/${o.materials}`, 'approver')).json().licenceStatus === 'issued');
    expect(await ok(await call('POST', `/v1/applications/${o.revoke}/revocation`, 'approver', { reason: '逾期未整改，依法撤销' }))).toMatchObject({ stage: 'revoked', licenceStatus: 'revoked' });
    // Once: the state no longer allows it.
    expect((await call('POST', `/v1/applications/${o.decide}/decision`, 'approver', { outcome: 'approve', opinion: '再次' })).statusCode).toBe(409);
    expect((await call('POST', `/v1/applications/${o.revoke}/revocation`, 'approver', { reason: '再次' })).statusCode).toBe(409);
  });

  it('owning division: claims (one task, and in bulk), finishes the inspection, feeds back, re-inspects', async () => {
    expect(await ok(await call('POST', `/v1/tasks/${taskOf(o.claim)}/claim`, 'food'))).toMatchObject({ status: 'claimed', claimedBy: people.food.sub });
    const bulk = await ok(await call('POST', '/v1/tasks/claim', 'food', { taskIds: [taskOf(o.bulk), taskOf(o.bulk)] }));
    expect(bulk.results.map((x: { status: number }) => x.status)).toEqual([200, 409]);
    expect(bulk.results[0].task).toMatchObject({ status: 'claimed', claimedBy: people.food.sub });
    expect(await ok(await call('POST', `/v1/tasks/${taskOf(o.inspect)}/inspection`, 'food', { finishedAt: now(), findings: '现场检查，符合要求' }))).toMatchObject({ status: 'awaiting-feedback' });
    expect(await ok(await call('POST', `/v1/tasks/${taskOf(o.feedback)}/feedback`, 'food', { result: 'compliant', note: '符合要求' }))).toMatchObject({ status: 'closed', result: 'compliant' });
    expect(await ok(await call('POST', `/v1/tasks/${taskOf(o.reinspect)}/reinspection`, 'food', { rectified: true, note: '已整改' }))).toMatchObject({ status: 'closed', outcome: 'rectified' });
    expect((await call('POST', `/v1/tasks/${taskOf(o.claim)}/claim`, 'food')).statusCode).toBe(409);
  });

  it('the division admin: delegates a task of its division to two certified officers (委派), once per set of names', async () => {
    const delegated = await ok(await call('POST', `/v1/tasks/${taskOf(o.claim)}/delegation`, 'foodAdmin', { inspectors: DELEGATES }));
    expect(delegated.delegation).toMatchObject({ seq: 1, inspectors: DELEGATES.map((id) => ({ id })) });
    expect((await ok(await call('POST', `/v1/tasks/${taskOf(o.claim)}/delegation`, 'foodAdmin', { inspectors: DELEGATES }))).delegation.seq).toBe(1);
  });

  it('the platform serving the task: posts a result recorded there, once per record id', async () => {
    const body = { recordId: 'AUTHZ-REC-1', finishedAt: now(), findings: '执法检查，符合要求', result: 'compliant', note: '' };
    const url = `/v1/tasks/${taskOf(o.external)}/external-result`;
    expect(await ok(await call('POST', url, 'platform', body), 201)).toMatchObject({ repeated: false, task: { status: 'closed', result: 'compliant' } });
    expect(await ok(await call('POST', url, 'platform', body))).toMatchObject({ repeated: true });
  });

  it('complaints: the hotline files a ticket (once per ticket id), the division replies once', async () => {
    const ticket = complaintTicket();
    const filed = await ok(await call('POST', '/v1/complaints', 'hotline', ticket), 201);
    expect(await ok(await call('POST', '/v1/complaints', 'hotline', ticket))).toEqual(filed);
    expect(await ok(await call('POST', `/v1/complaints/${o.complaint}/reply`, 'food', { outcome: 'substantiated', text: '经核查属实，已责令整改' }))).toMatchObject({ status: 'replied', reply: { outcome: 'substantiated' } });
    expect((await call('POST', `/v1/complaints/${o.complaint}/reply`, 'food', { outcome: 'substantiated', text: '再次答复' })).statusCode).toBe(409);
  });

  it('linkages: the approving department proposes, the named department confirms or disputes, an arbiter settles', async () => {
    expect(await ok(await call('POST', '/v1/linkages', 'approver', { approvalItemCode: o.proposeItem, supervisionDepartmentCode: DEMO.health }), 201)).toMatchObject({ status: 'proposed' });
    expect(await ok(await call('POST', `/v1/linkages/${o.confirm}/confirm`, 'marketHead', { supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision }))).toMatchObject({ status: 'confirmed' });
    expect(await ok(await call('POST', `/v1/linkages/${o.dispute}/dispute`, 'food', { reason: '本局无监管职责' }))).toMatchObject({ status: 'disputed' });
    expect(await ok(await call('POST', `/v1/linkages/${o.settle}/settle`, 'arbiter', { decision: 'reject', note: '编办裁定：无监管职责' }))).toMatchObject({ status: 'rejected', settledBy: people.arbiter.sub });
  });

  it('catalog and organization: the owning department or the regional admin writes', async () => {
    const item = routes.find((r) => r.name === 'POST /v1/approval-items')!.body!;
    expect(await ok(await call('POST', '/v1/approval-items', 'approver', item()), 201)).toMatchObject({ version: 1 });
    expect(await ok(await call('POST', '/v1/approval-items', 'admin', item()), 201)).toMatchObject({ version: 1 });
    const supervisionItem = routes.find((r) => r.name === 'POST /v1/supervision-items')!.body!;
    await ok(await call('POST', '/v1/supervision-items', 'equipment', supervisionItem()), 201);
    await ok(await call('POST', '/v1/supervision-items', 'admin', supervisionItem()), 201);
    await ok(await call('POST', '/v1/departments', 'admin', routes.find((r) => r.name === 'POST /v1/departments')!.body!()), 201);
    await ok(await call('POST', '/v1/divisions', 'admin', routes.find((r) => r.name === 'POST /v1/divisions')!.body!()), 201);
  });

  it("the monthly 通报: the region's admin and the operator read it, as JSON and as a page", async () => {
    for (const who of ['admin', 'operator'] as const) {
      expect(await ok(await call('GET', `/v1/reports/monthly?region=${DEMO.region}&month=2025-11`, who))).toMatchObject({ region: { code: DEMO.region }, month: '2025-11' });
      const page = await app.inject({ method: 'GET', url: `/v1/reports/monthly?region=${DEMO.region}&month=2025-11`, headers: { authorization: `Bearer ${tokens[who]}`, accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
    }
  });

  it('calendar: an operator imports a year (a far one, so no running deadline moves)', async () => {
    const year = 2099;
    const r = await ok(await call('PUT', `/v1/calendar/${year}`, 'operator', { notice: '测试：2099年节假日安排', days: [{ date: `${year}-10-01`, kind: 'holiday', name: '国庆节' }] }));
    expect(r).toMatchObject({ year });
    // Its re-timing finishes before this file's worker stops, so no import is left pending for the next file.
    await waitForValue('re-timed', async () => (await database().db.select().from(calendarImports).where(eq(calendarImports.id, r.importId)))[0]?.retimedAt);
    expect((await call('GET', `/v1/calendar/${HARMLESS_YEAR}`, 'operator')).json().published).toBe(false);
  });

  it("calendar: a regional admin sets its region's own days (a far year), and takes them back", async () => {
    const year = 2098;
    const url = `/v1/calendar/${year}/regions/${DEMO.region}`;
    const r = await ok(await call('PUT', url, 'admin', { notice: '测试：地方节日', days: [{ date: `${year}-06-02`, kind: 'holiday', name: '地方节日' }] }));
    expect(r).toMatchObject({ year, regionCode: DEMO.region, changedDates: [`${year}-06-02`] });
    await waitForValue('re-timed', async () => (await database().db.select().from(calendarImports).where(eq(calendarImports.id, r.importId)))[0]?.retimedAt);
    const back = await ok(await call('PUT', url, 'admin', { notice: '测试：撤回', days: [] }));
    await waitForValue('re-timed', async () => (await database().db.select().from(calendarImports).where(eq(calendarImports.id, back.importId)))[0]?.retimedAt);
  });

  it('联合惩戒: the issuing department writes its measure and the inclusive list, decides, and repairs its decision', async () => {
    expect(await ok(await call('POST', '/v1/leniency-entries', 'marketHead', routes.find((r) => r.name === 'POST /v1/leniency-entries')!.body!()), 201)).toMatchObject({ version: 1 });
    expect(await ok(await call('POST', '/v1/joint-punishment-measures', 'marketHead', routes.find((r) => r.name === 'POST /v1/joint-punishment-measures')!.body!()), 201)).toMatchObject({ version: 1 });
    expect(await ok(await call('POST', '/v1/joint-punishments', 'marketHead', routes.find((r) => r.name === 'POST /v1/joint-punishments')!.body!()), 201)).toMatchObject({ status: 'in-force' });
    expect(await ok(await call('POST', `/v1/joint-punishments/${o.punishment}/repair`, 'marketHead', { reason: '已整改', basis: '信用修复申请' }))).toMatchObject({ status: 'repaired' });
  });
});
