// The set-up every API test file shares: the API (app.inject) over the shared test stack, with a
// worker of its own on the file's task queue (config.temporal.taskQueue), both with the real
// activities and the embedded adapters.
import { afterAll, beforeAll, expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Principal } from '../../api/auth.js';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../../api/app.js';
import { apiClient, type ApiClient } from '../../client/index.js';
import { createVerifier } from '../../api/auth.js';
import type { AppConfig } from '../../runtime/config.js';
import type { ActivityDeps } from '../../activities/index.js';
import { closeDatabase, createTestWorker, database, testDeps, testClient, tokenFor } from '../helpers.js';

export interface ApiHarness {
  app: FastifyInstance;
  client: Client;
  /** Closes the app, stops the worker and closes the connections and the database pool. */
  stop(): Promise<void>;
}

/** `deps`: the worker's adapters instead of the embedded ones (an HTTP provider under test). */
export async function startApiHarness(config: AppConfig, deps: Partial<ActivityDeps> = {}): Promise<ApiHarness> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const client = testClient(connection);
  const worker = await createTestWorker(nativeConnection, config.temporal.taskQueue, { ...testDeps(database()), clock: () => new Date(), temporal: client, ...deps });
  const running = worker.run();
  const app = await buildApp({ config, database: database(), temporal: client, verifier: await createVerifier(config) });
  return {
    app,
    client,
    async stop() {
      await app.close();
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await closeDatabase();
    },
  };
}

/**
 * A fetch answered by `app.inject`: the typed client (client/index.ts) over the app in this
 * process, through the whole request cycle (hooks, validation, serialization) but no socket.
 */
export function injectFetch(app: FastifyInstance): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const r = await app.inject({ method: request.method as 'GET', url: url.pathname + url.search, headers: Object.fromEntries(request.headers), payload: body });
    const headers = new Headers();
    for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) headers.append(k, String(x));
    // A Response of these statuses may have no body at all.
    return new Response([204, 205, 304].includes(r.statusCode) ? null : r.rawPayload, { status: r.statusCode, headers });
  };
}

/** The typed client of the app, as the caller whose bearer `token` it sends (none: no Authorization header). */
export const typedClient = (app: FastifyInstance, token?: string): ApiClient => apiClient('http://shenguan.test', { token, fetch: injectFetch(app) });

/**
 * Waits until `read` (a snapshot of the database) answers the same twice in a row, 600 ms apart:
 * the set-up's workflows have stopped writing, so a change after it can only come from a request.
 */
export async function untilStable(read: () => Promise<unknown>): Promise<void> {
  let last = JSON.stringify(await read());
  for (let stable = 0; stable < 2; ) {
    await new Promise((r) => setTimeout(r, 600));
    const next = JSON.stringify(await read());
    stable = next === last ? stable + 1 : 0;
    last = next;
  }
}

/**
 * A file's API harness and its cast: started before the file's tests (a token for each
 * principal) and stopped after them. `call(method, url, who, payload)` acts as one of them
 * through app.inject.
 */
export function withCallers<P extends Record<string, Principal>>(config: AppConfig, people: P) {
  type Who = keyof P & string;
  const tokens = {} as Record<Who, string>;
  let harness: ApiHarness | undefined;
  beforeAll(async () => {
    harness = await startApiHarness(config);
    for (const who of Object.keys(people) as Who[]) tokens[who] = await tokenFor(config, people[who]!);
  }, 120_000);
  afterAll(() => harness?.stop());
  const started = (): ApiHarness => harness ?? (() => { throw new Error('withCallers: the harness is not started (used outside a test)'); })();
  return {
    tokens,
    harness: started,
    app: (): FastifyInstance => started().app,
    call: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, who: Who, payload?: unknown) => started().app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}` }, payload: payload as never }),
  };
}

/** The answer's JSON, once its status is the one expected (the body shown when it is not). */
export async function ok(r: LightMyRequestResponse, status = 200) {
  expect(r.statusCode, r.body).toBe(status);
  return r.json();
}
