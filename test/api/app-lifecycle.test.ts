// The app opens the services it is not handed (the database pool, the Temporal connection, the
// token verifier) and closes them when it closes; services handed in stay their owner's.
import { afterAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { closeDatabase, database, testConfig, tokenFor, testClient } from '../helpers.js';

const config = testConfig();
afterAll(async () => {
  await closeDatabase();
});

describe('the app and its services', () => {
  it('opens what it is not given, serves with it, and closes it on close', async () => {
    const app = await buildApp({ config });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', postgres: true, temporal: true });
    const token = await tokenFor(config, { sub: 'ops', role: 'operator' });
    expect((await app.inject({ method: 'GET', url: '/v1/tasks?limit=1', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const { db, temporal } = app;
    await app.close();
    await expect(db.execute('select 1')).rejects.toThrow();
    await expect(temporal.workflowService.getSystemInfo({})).rejects.toThrow();
  });

  it('leaves the services it was given open', async () => {
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const temporal = testClient(connection);
      const app = await buildApp({ config, database: database(), temporal });
      await app.close();
      await expect(database().db.execute('select 1')).resolves.toBeDefined();
      await expect(temporal.workflowService.getSystemInfo({})).resolves.toBeDefined();
    } finally {
      await connection.close();
    }
  });
});
