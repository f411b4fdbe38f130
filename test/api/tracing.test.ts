// Tracing (runtime/tracing.ts), on the real dev server and PostgreSQL with an in-memory exporter:
// one claim over HTTP is one trace, from the request's span through the Temporal client's
// update, the workflow's handling of it and its activity, to the SQL statements they send.
// No span carries the applicant's name or phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import { startTracing, stopTracing } from '../../runtime/tracing.js';
import { applicationNoOf, approver, waitForValue, foodDivision, freshCreditCode, testConfig, tokenFor, uniqueId, waitFor, DEMO } from '../helpers.js';
import { startApiHarness, type ApiHarness } from './harness.js';

const exporter = new InMemorySpanExporter();
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('trace-tq') });
let harness: ApiHarness;
let app: FastifyInstance;
const tokens = { approver: '', food: '' };

beforeAll(async () => {
  // Before the worker and the app are made: they pick up the provider (sinks, HTTP plugin).
  expect(startTracing('shenguan-test', { exporter })).toBe(true);
  harness = await startApiHarness(config);
  app = harness.app;
  tokens.approver = await tokenFor(config, approver);
  tokens.food = await tokenFor(config, foodDivision);
});

afterAll(async () => {
  await harness?.stop();
  await stopTracing();
});

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });

const traceOf = (s: ReadableSpan): string => s.spanContext().traceId;

describe('tracing', () => {
  it('follows one claim from the HTTP request through the workflow and its activity to SQL, in one trace', async () => {
    const no = applicationNoOf('TRACE');
    const applicant = { creditCode: freshCreditCode(), name: '连云港追踪食品店', phone: '13700000077' };
    const created = await call('POST', '/v1/applications', tokens.approver, { applicationNo: no, itemCode: 'SP-FOOD-01', applicant, materials: ['食品经营许可申请书', '营业执照复印件'] });
    expect(created.statusCode, created.body).toBe(201);
    expect((await call('POST', `/v1/applications/${no}/decision`, tokens.approver, { outcome: 'approve', opinion: '准予许可' })).statusCode).toBe(200);
    const taskId = `task-${no}.${DEMO.market}`;
    await waitFor(async () => (await call('GET', `/v1/tasks/${taskId}`, tokens.food)).statusCode === 200);

    exporter.reset();
    const claimed = await call('POST', `/v1/tasks/${taskId}/claim`, tokens.food);
    expect(claimed.statusCode, claimed.body).toBe(200);

    // The request's span, by its route.
    const request = await waitForValue('the claim request\'s span', () => exporter.getFinishedSpans().find((s) => s.attributes['http.route'] === '/v1/tasks/:taskId/claim' || s.name.includes('/v1/tasks/:taskId/claim')) ?? null);
    const trace = traceOf(request);
    // The workflow's spans come back through a sink once its task is done: wait for them.
    const spans = await waitForValue('the workflow\'s and the activity\'s spans in its trace', () => {
      const inTrace = exporter.getFinishedSpans().filter((s) => traceOf(s) === trace);
      const names = inTrace.map((s) => s.name);
      return names.some((n) => n.startsWith('HandleUpdate:')) && names.some((n) => n.startsWith('RunActivity:')) ? inTrace : null;
    });
    const names = spans.map((s) => s.name);
    expect(names).toContain('StartWorkflowUpdate:claim');
    expect(names).toContain('HandleUpdate:claim');
    expect(names.filter((n) => n.startsWith('RunActivity:')).length).toBeGreaterThan(0);
    // SQL under the request (the route's reads) and under the activity (its writes).
    const sql = spans.filter((s) => s.attributes['db.system'] === 'postgresql');
    expect(sql.length).toBeGreaterThan(0);
    const activitySpans = new Set(spans.filter((s) => s.name.startsWith('RunActivity:')).map((s) => s.spanContext().spanId));
    const activitySql = sql.filter((s) => activitySpans.has(s.parentSpanId ?? ''));
    // The claim's write (a CTE: `with … update tasks …`).
    expect(activitySql.some((s) => /\b(update|insert)\b/i.test(String(s.attributes['db.statement'])))).toBe(true);

    // Every span of the claim is in this one trace: none of its Temporal spans started another.
    const claimSpans = exporter.getFinishedSpans().filter((s) => s.name.endsWith(':claim'));
    expect(new Set(claimSpans.map(traceOf))).toEqual(new Set([trace]));

    // Nothing personal: statements carry their text, never their values.
    const text = JSON.stringify(exporter.getFinishedSpans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(text).not.toContain(applicant.name);
    expect(text).not.toContain(applicant.phone);
  });
});
