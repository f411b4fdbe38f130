// The HTTP adapters to the systems we do not own: the SMS gateway, the public credit platform
// (公共信用信息平台) and the e-licence service (电子证照). Each call has a timeout; transient
// failures (network, timeout, 408, 425, 429, 5xx) are retried here with backoff and then left to
// Temporal's retry policy; a permanent rejection (any other 4xx) is a non-retryable
// ApplicationFailure, so it is not sent again and the case can show it.
import { ApplicationFailure } from '@temporalio/common';
import type { SmsAdapter } from './sms.js';
import type { CreditAdapter, CreditStanding } from './credit.js';
import type { CreditPlatform } from './credit-platform.js';
import type { ElicenceService, MaterialCheck } from './elicence.js';
import type { HotlineAdapter } from './hotline.js';

export const PROVIDER_REJECTED = 'ProviderRejected';

/** 4xx answers that say "not now" rather than "never": timeout, too early, too many requests. */
const TRANSIENT_STATUS = new Set([408, 425, 429]);

export interface HttpAdapterConfig {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  /** Attempts within one activity attempt before giving the failure to Temporal. */
  attempts: number;
  backoffMs: number;
}

export class TransientProviderError extends Error {
  override name = 'TransientProviderError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POSTs (or GETs) JSON with a timeout; retries transient failures; returns the parsed body. */
export async function callProvider<T>(cfg: HttpAdapterConfig, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= cfg.attempts; attempt++) {
    try {
      const res = await fetch(new URL(path, cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`), {
        method,
        headers: {
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(cfg.apiKey && { authorization: `Bearer ${cfg.apiKey}` }),
          // The business key travels as the idempotency key, so the provider de-duplicates too.
          ...(idempotencyKey && { 'idempotency-key': idempotencyKey }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(cfg.timeoutMs),
      });
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : {}) as T;
      if (TRANSIENT_STATUS.has(res.status) || res.status >= 500) throw new TransientProviderError(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      throw ApplicationFailure.create({ type: PROVIDER_REJECTED, message: `${method} ${path} rejected: ${res.status} ${text.slice(0, 500)}`, nonRetryable: true, details: [{ status: res.status }] });
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      lastError = err instanceof TransientProviderError ? err : new TransientProviderError(`${method} ${path}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${cfg.timeoutMs} ms` : (err as Error).message}`);
      if (attempt < cfg.attempts) await sleep(cfg.backoffMs * 2 ** (attempt - 1));
    }
  }
  throw lastError!;
}

/** SMS gateway: POST /messages {outId, phone, body} → {messageId, duplicate?}. */
export function createHttpSms(cfg: HttpAdapterConfig): SmsAdapter {
  return {
    async send({ outId, phone, body }) {
      const r = await callProvider<{ messageId: string; duplicate?: boolean }>(cfg, 'POST', 'messages', { outId, phone, body }, outId);
      return { providerMessageId: r.messageId, duplicate: Boolean(r.duplicate) };
    },
  };
}

/** Credit platform: GET /profiles/{code} for the pre-check; POST /records to file a record. */
export function createHttpCredit(cfg: HttpAdapterConfig): CreditAdapter & CreditPlatform {
  return {
    async query(creditCode) {
      return callProvider<CreditStanding>(cfg, 'GET', `profiles/${encodeURIComponent(creditCode)}`);
    },
    async push(record) {
      const r = await callProvider<{ recordId: string; duplicate?: boolean }>(cfg, 'POST', 'records', record, record.businessKey);
      return { providerRecordId: r.recordId, duplicate: Boolean(r.duplicate) };
    },
  };
}

/** E-licence service: POST /verify {creditCode, materials, at} → {results: MaterialCheck[]}. */
export function createHttpElicence(cfg: HttpAdapterConfig): ElicenceService {
  return {
    async verify({ creditCode, materials, at }) {
      const r = await callProvider<{ results: MaterialCheck[] }>(cfg, 'POST', 'verify', { creditCode, materials, at: at.toISOString() });
      return r.results;
    },
  };
}

/** Hotline (12345 / 12315): POST /replies {businessKey, source, ticketId, outcome, text, department, repliedAt} → {receiptId, duplicate?}. */
export function createHttpHotline(cfg: HttpAdapterConfig): HotlineAdapter {
  return {
    async reply(r) {
      const answer = await callProvider<{ receiptId: string; duplicate?: boolean }>(cfg, 'POST', 'replies', r, r.businessKey);
      return { receiptId: answer.receiptId, duplicate: Boolean(answer.duplicate) };
    },
  };
}
