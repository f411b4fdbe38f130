// When the workflow service cannot take an action, the caller gets a 503 problem with
// Retry-After (or a 504 when the action was sent but not confirmed), and nothing is written.
// The unreachable case is real: a Temporal client pointed at a closed port, without the
// client's retries, next to the real PostgreSQL. The busy and unconfirmed mappings are checked
// on the errors the Temporal client raises for them (a server at capacity cannot be ordered up
// in a shared test stack).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { problemFromWorkflowError } from '../../api/errors.js';
import { auditEvents, cases } from '../../db/schema/index.js';
import { applicationNoOf, approver, closeDatabase, closedPort, database, freshCreditCode, testConfig, tokenFor, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
const config = testConfig();
let token = '';


beforeAll(async () => {
  // No interceptors: the client's default retry of UNAVAILABLE would only make the test slow.
  connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  token = await tokenFor(config, approver);
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

describe('the workflow service is unreachable', () => {
  it('answers 503 with Retry-After and starts nothing', async () => {
    const applicationNo = applicationNoOf('2026');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { authorization: `Bearer ${token}` },
      payload: { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '连云港海州食品店', phone: '13700000002' }, materials: ['食品经营许可申请书'] },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ type: 'urn:shenguan:problem:temporal-unavailable', status: 503 });
    const { db } = database();
    expect(await db.select().from(cases).where(eq(cases.applicationNo, applicationNo))).toEqual([]);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.applicationNo, applicationNo))).toEqual([]);
  });
});

describe('errors of the Temporal client map to problems', () => {
  const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { get: () => [] } });

  it('too many in-flight updates: 503 busy, retry after a second', () => {
    const p = problemFromWorkflowError(new ServiceError('update failed', { cause: grpcError(8, 'Too many in-flight Updates for this workflow') }));
    expect(p).toMatchObject({ status: 503, slug: 'busy', retryAfter: 1 });
    expect(p!.message).toContain('Too many in-flight Updates');
  });

  it('unavailable: 503; deadline exceeded or an update not confirmed: 504', () => {
    expect(problemFromWorkflowError(grpcError(14, 'No connection established'))).toMatchObject({ status: 503, slug: 'temporal-unavailable', retryAfter: 5 });
    expect(problemFromWorkflowError(new ServiceError('x', { cause: grpcError(4, 'Deadline exceeded') }))).toMatchObject({ status: 504, slug: 'unconfirmed' });
    expect(problemFromWorkflowError(new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4, 'Deadline exceeded') }))).toMatchObject({ status: 504 });
  });

  it('anything else is not a workflow-service problem (the handler answers 500)', () => {
    expect(problemFromWorkflowError(grpcError(13, 'internal'))).toBeNull();
    expect(problemFromWorkflowError(new Error('boom'))).toBeNull();
  });
});
