// When PostgreSQL cannot be reached (restarting, down, out of connections), the caller gets a
// 503 problem with Retry-After, as for the workflow service, instead of an opaque 500 — the
// crash test's PostgreSQL restarts showed such 500s. Both failures are real: an API whose pool
// points at a closed port next to the real Temporal server, and a statement of the real
// PostgreSQL cut off by pg_terminate_backend (what a restart does to a statement in flight).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { problemFromDatabaseError } from '../../api/errors.js';
import { createDatabase, type Database } from '../../db/client.js';
import { applicationNoOf, approver, closedPort, foodDivision, freshCreditCode, testConfig, tokenFor, uniqueId, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
let client: Client;
let unreachable: Database;
const config = testConfig();


beforeAll(async () => {
  unreachable = createDatabase(`postgres://postgres@127.0.0.1:${await closedPort()}/shenguan`, { max: 2 });
  connection = await Connection.connect({ address: config.temporal.address });
  client = testClient(connection);
  app = await buildApp({ config, database: unreachable, temporal: client, verifier: await createVerifier(config) });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await unreachable?.close();
});

describe('the database is unreachable', () => {
  it('a submission answers 503 with Retry-After and starts no workflow', async () => {
    const applicationNo = applicationNoOf('2026');
    const res = await app.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { authorization: `Bearer ${await tokenFor(config, approver)}` },
      payload: { applicationNo, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '连云港海州食品店', phone: '13700000002' }, materials: ['食品经营许可申请书'] },
    });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ type: 'urn:shenguan:problem:database-unavailable', status: 503 });
    // Nothing reached the workflow service either.
    await expect(client.workflow.getHandle(`case-${applicationNo}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('an inbox read and a claim answer 503, never 500', async () => {
    const token = await tokenFor(config, foodDivision);
    for (const [method, url] of [['GET', '/v1/tasks'], ['POST', `/v1/tasks/task-${uniqueId('LYG2026')}.${foodDivision.department}/claim`]] as const) {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(503);
      expect(res.json()).toMatchObject({ type: 'urn:shenguan:problem:database-unavailable' });
    }
  });
});

describe('a statement cut off by a restart', () => {
  it('is mapped to 503, other database errors are not', async () => {
    const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
      const pid = row!.pid;
      const inFlight = sql`select pg_sleep(30)`.then(
        () => null,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 300));
      await admin`select pg_terminate_backend(${pid})`;
      const err = await inFlight;
      expect(err).toBeInstanceOf(Error);
      expect(problemFromDatabaseError(err)).toMatchObject({ status: 503, slug: 'database-unavailable', retryAfter: 5 });
      // A wrapped error (drizzle puts postgres.js's error in `cause`) is found too.
      expect(problemFromDatabaseError(new Error('Failed query: select 1', { cause: err }))).toMatchObject({ status: 503 });
      // A statement error of a reachable database is not an outage.
      const syntax = await admin`select * from no_such_table`.then(
        () => null,
        (e: unknown) => e,
      );
      expect((syntax as { code?: string }).code).toBe('42P01');
      expect(problemFromDatabaseError(syntax)).toBeNull();
    } finally {
      await sql.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
    }
  });
});
