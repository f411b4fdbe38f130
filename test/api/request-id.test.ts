// x-request-id: the caller's when acceptable, else a fresh one; answered on every response, on
// the request's log lines, and the `instance` of its problems.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { pino } from 'pino';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { closeDatabase, database, testConfig, testClient, tokenFor } from '../helpers.js';

const config = testConfig();
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  },
});
let app: FastifyInstance;
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) }, { logger: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  it("answers the caller's id, and logs the request's lines under it", async () => {
    const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.42:b_c-9' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-request-id']).toBe('lb-7f3a.42:b_c-9');
    const mine = lines.filter((l) => l.requestId === 'lb-7f3a.42:b_c-9');
    expect(mine.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    expect(lines.some((l) => 'reqId' in l)).toBe(false);
  });

  it('makes one when none is sent, a new one per request', async () => {
    const [a, b] = [await app.inject({ method: 'GET', url: '/healthz' }), await app.inject({ method: 'GET', url: '/healthz' })];
    expect(a.headers['x-request-id']).toMatch(UUID);
    expect(b.headers['x-request-id']).toMatch(UUID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('replaces an id that is not a plain token: too long, empty, spaces, quotes, non-ASCII', async () => {
    for (const bad of ['x'.repeat(129), '', 'two words', 'a"b', '请求-1', 'a\tb', 'id;drop']) {
      const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(r.headers['x-request-id'], JSON.stringify(bad)).toMatch(UUID);
      expect(lines.some((l) => l.requestId === bad)).toBe(false);
    }
    const longest = 'x'.repeat(128);
    expect((await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': longest } })).headers['x-request-id']).toBe(longest);
  });

  it("is the instance of every problem: the error handler's, the not-found handler's, a schema refusal's", async () => {
    const token = await tokenFor(config, { sub: 'ops', role: 'operator' });
    const cases = [
      { method: 'GET' as const, url: '/v1/tasks', headers: {} }, // 401
      { method: 'GET' as const, url: '/no/such/route', headers: {} }, // 404
      { method: 'GET' as const, url: '/v1/tasks?limit=0', headers: { authorization: `Bearer ${token}` } }, // 400
    ];
    for (const [i, c] of cases.entries()) {
      const id = `problem-${i}`;
      const r = await app.inject({ ...c, headers: { ...c.headers, 'x-request-id': id } });
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.headers['x-request-id']).toBe(id);
      expect(r.json()).toMatchObject({ status: r.statusCode, instance: `urn:shenguan:request:${id}` });
    }
    const made = await app.inject({ method: 'GET', url: '/v1/tasks' });
    expect(made.json().instance).toBe(`urn:shenguan:request:${made.headers['x-request-id']}`);
  });
});
