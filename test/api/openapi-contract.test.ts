// The contract clients are generated from: docs/openapi.json is what the API serves, byte for
// byte as documentText formats it, and client/schema.d.ts is what openapi-typescript makes of
// it. Either out of date fails here: `npm run openapi` refreshes both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, DOCUMENT_PATH, clientTypesText, committed, documentText } from '../../scripts/openapi/contract.js';
import { LINKS } from '../../api/openapi-links.js';
import { testConfig, tokenFor, uniqueId } from '../helpers.js';
import { startApiHarness, typedClient, type ApiHarness } from './harness.js';

type Operation = { operationId?: string; responses: Record<string, { links?: Record<string, { operationId: string }> }> };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

let harness: ApiHarness;
let served: Document;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('openapi-tq') });

beforeAll(async () => {
  harness = await startApiHarness(config);
  const r = await harness.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(r.statusCode).toBe(200);
  served = r.json();
});
afterAll(() => harness?.stop());

const operations = () => Object.entries(served.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

describe('the OpenAPI contract', () => {
  it('is committed as served (docs/openapi.json), and the client types are generated from it (client/schema.d.ts)', async () => {
    expect(committed(DOCUMENT_PATH), 'docs/openapi.json is out of date: npm run openapi').toBe(documentText(served));
    expect(committed(CLIENT_TYPES_PATH), 'client/schema.d.ts is out of date: npm run openapi').toBe(await clientTypesText(documentText(served)));
  });

  it('is OpenAPI 3.1 with a unique operationId on every operation, /metrics among them', () => {
    expect(served.openapi).toBe('3.1.0');
    const ids = operations().map(({ path, method, op }) => op.operationId ?? `(none: ${method} ${path})`);
    expect(ids.filter((id) => id.startsWith('(none'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(served.paths['/metrics']?.get?.operationId).toBe('getMetrics');
  });

  it('names its types as components, referenced by $ref: a case, a task, a problem', () => {
    expect(Object.keys(served.components.schemas)).toEqual(expect.arrayContaining(['Case', 'Task', 'TaskDetail', 'Problem', 'ApplicationInput', 'ApplicationAccepted']));
    const problem = served.paths['/v1/tasks/{taskId}/claim']!.post!.responses['409'];
    expect(problem).toMatchObject({ content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  });

  it('links an accepted application to its case and a case to its tasks, each link to an operation it has', () => {
    const byId = new Map(operations().map(({ op }) => [op.operationId, op]));
    expect(byId.get('submitApplication')!.responses['201']!.links).toHaveProperty('getApplication.operationId', 'getApplication');
    expect(byId.get('getApplication')!.responses['200']!.links).toHaveProperty('claimTask.operationId', 'claimTask');
    for (const [from, { statuses }] of Object.entries(LINKS)) {
      for (const status of statuses) for (const link of Object.values(byId.get(from)!.responses[status]!.links!)) expect(byId.has(link.operationId), `${from} → ${link.operationId}`).toBe(true);
    }
  });

  it('types the answers the typed client reads: GET /metrics for an operator, a problem for another role', async () => {
    const operator = typedClient(harness.app, await tokenFor(config, { sub: 'ops', role: 'operator' }));
    const metrics = await operator.GET('/metrics', { parseAs: 'text' });
    expect(metrics.response.status).toBe(200);
    expect(metrics.data).toMatch(/^# HELP /m);
    const approval = typedClient(harness.app, await tokenFor(config, { sub: 'approval:x', role: 'approval', department: 'LYG-SPJ' }));
    const refused = await approval.GET('/metrics', { parseAs: 'text' });
    expect(refused.response.status).toBe(403);
    expect(refused.response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
