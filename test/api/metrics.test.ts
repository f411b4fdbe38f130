// /metrics: request rates and latencies by route, and the domain's figures from the read model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createDatabase } from '../../db/client.js';
import { createVerifier } from '../../api/auth.js';
import { approver, closeDatabase, database, testConfig, tokenFor, testClient } from '../helpers.js';

const SCRAPE = 'scrape-token-0123456789';
let app: FastifyInstance;
let connection: Connection;
const config = testConfig({ METRICS_TOKEN: SCRAPE });

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

describe('/metrics', () => {
  it('serves Prometheus text to operators and the scraper, and refuses everyone else', async () => {
    const operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
    await app.inject({ method: 'GET', url: '/v1/tasks', headers: { authorization: `Bearer ${operator}` } });
    const r = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${operator}` } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/plain/);
    expect(r.body).toMatch(/shenguan_http_requests_total\{route="\/v1\/tasks",method="GET",status="200"\} \d+/);
    expect(r.body).toMatch(/shenguan_http_request_duration_seconds_bucket\{le="0.005",route="\/v1\/tasks",method="GET"\}/);
    // Counts of events are counters; how many are so now, gauges; no gauge is named *_total.
    const types = new Map([...r.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(types.get('shenguan_cases_started_total')).toBe('counter');
    expect(types.get('shenguan_reminders_sent_total')).toBe('counter');
    for (const gauge of ['shenguan_cases_open', 'shenguan_tasks_claim_overdue', 'shenguan_tasks_feedback_overdue', 'shenguan_notifications_failed']) expect(types.get(gauge), gauge).toBe('gauge');
    expect([...types].filter(([name, type]) => type === 'gauge' && name.endsWith('_total'))).toEqual([]);
    expect(r.body).toMatch(/^shenguan_cases_started_total \d+$/m);
    expect(types.get('shenguan_api_nodejs_active_handles')).toBe('gauge'); // by type; prom-client's *_total sum of it is left out
    // The deadline lag is the worker's histogram (test/effects/deadline-lag-metric.test.ts), not a figure of the API.
    expect(r.body).not.toContain('shenguan_deadline_lag_seconds');
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${SCRAPE}` } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${await tokenFor(config, approver)}` } })).statusCode).toBe(403);
  });

  it('readiness checks PostgreSQL and Temporal', async () => {
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.json()).toEqual({ status: 'ready', postgres: true, temporal: true });
  });

  it('reads the domain figures in one statement per scrape', async () => {
    const statements: string[] = [];
    const counted = createDatabase(process.env.DATABASE_URL!, { max: 2, onQuery: (q) => statements.push(q) });
    const scraped = await buildApp({ config, database: counted, temporal: testClient(connection), verifier: await createVerifier(config) });
    try {
      statements.length = 0;
      const r = await scraped.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${SCRAPE}` } });
      expect(r.statusCode).toBe(200);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain('count(*)');
    } finally {
      await scraped.close();
      await counted.close();
    }
  });
});
