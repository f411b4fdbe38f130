// The typed client of the API, generated from its contract: `paths` and `components` are
// openapi-typescript's types of docs/openapi.json (client/schema.d.ts, refreshed by
// `npm run openapi`), and openapi-fetch makes the calls. A request or answer that does not
// match the contract is a type error: `api.POST('/v1/tasks/{taskId}/claim', { params: { path: { taskId } } })`.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
export type ApiClient = Client<paths>;
/** A named type of the contract: `Schema<'Task'>`, `Schema<'Case'>`, `Schema<'Problem'>`. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];

/**
 * A client of the API at `baseUrl`; `token` (a bearer JWT) goes on every request. `fetch` may
 * be any function from a Request to a Response: the tests answer it with `app.inject`.
 */
export function apiClient(baseUrl: string, options: { token?: string; fetch?: ClientOptions['fetch']; headers?: Record<string, string> } = {}): ApiClient {
  return createClient<paths>({
    baseUrl,
    fetch: options.fetch,
    headers: { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
  });
}

/** A request as the typed client would send it: method, path with query, headers, serialized body. */
export type PreparedRequest = { method: string; url: string; headers: Record<string, string>; body?: string };

/**
 * The request the typed client makes for `call`, captured instead of sent: for a load generator
 * that sends requests itself, timed its own way (scripts/bench/http-driver.ts), yet builds them
 * against the contract. `prepare((api) => api.POST('/v1/tasks/{taskId}/claim', { params: { path: { taskId } } }))`.
 */
export async function prepare(call: (api: ApiClient) => Promise<unknown>): Promise<PreparedRequest> {
  let captured: PreparedRequest | undefined;
  const api = apiClient('http://prepared.invalid', {
    fetch: async (request) => {
      const url = new URL(request.url);
      captured = { method: request.method, url: url.pathname + url.search, headers: Object.fromEntries(request.headers), body: request.body ? await request.text() : undefined };
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  await call(api);
  if (!captured) throw new Error('the call sent no request');
  return captured;
}
