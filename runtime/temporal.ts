import { fileURLToPath } from 'node:url';
import type { ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { AppConfig } from './config.js';
import type { TemporalConnection } from './temporal-connection.js';
import { EncryptionCodec, payloadKeys } from './codec.js';

/**
 * The failure converter's module (runtime/failure-converter.cjs), for data converters and for
 * every workflow bundle: a bundle built without it would send the workflow's own failures in clear.
 */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * The data converter of every client and worker (runtime/codec.ts): every payload encrypted, so
 * nothing personal reaches the Temporal server in clear — failure messages and stack traces too,
 * which the failure converter moves into an encrypted payload (an activity's failure also loses
 * its statement's values, for the logs and the decoded view: runtime/worker.ts
 * redactingActivityInterceptors).
 */
export function dataConverter(config: AppConfig): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(payloadKeys(config.env))], failureConverterPath };
}

/** Connection options for client and worker alike, from Temporal's own configuration (runtime/config.ts temporalConnection). */
export function connectionOptions(t: TemporalConnection): ConnectionOptions {
  return {
    address: t.address,
    ...(t.tls !== undefined && { tls: t.tls }),
    ...(t.apiKey && { apiKey: t.apiKey }),
    ...(t.metadata && { metadata: t.metadata }),
  };
}

/**
 * True when a connect attempt failed because the server is not reachable (yet): refused or
 * timed out. Not for bad options, bad credentials or a refused namespace, which fail at once.
 */
export function isUnreachable(err: unknown): boolean {
  // The client's Connection wraps the gRPC status in a ServiceError ("Failed to connect to
  // Temporal server") whose cause carries the code: the chain is walked, a few links deep.
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.name === 'TransportError') return true; // NativeConnection (worker): tcp/tls connect
    if (e.message.includes('Failed to connect before the deadline')) return true; // client Connection
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4) return true; // gRPC UNAVAILABLE, DEADLINE_EXCEEDED
  }
  return false;
}

export interface PatientConnectOptions {
  /** Give up after this long (ms); 0: one attempt. */
  timeoutMs: number;
  /** First pause between attempts (ms); doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each pause, with the failed attempt's number and error. */
  onRetry?: (attempt: number, delayMs: number, err: Error) => void;
}

/**
 * Connects, waiting for a Temporal server that is not up yet: processes start in any order
 * (after a machine restart the API and the worker may come up before Temporal), so an
 * unreachable server is retried with backoff until `timeoutMs`; any other error is thrown at
 * once. A process that gives up exits non-zero and its supervisor starts it again.
 */
export async function connectPatiently<T>(connect: () => Promise<T>, o: PatientConnectOptions): Promise<T> {
  const giveUpAt = Date.now() + o.timeoutMs;
  let delay = o.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      const left = giveUpAt - Date.now();
      if (left <= 0) {
        throw new Error(`Temporal not reachable after ${attempt} attempt(s) in ${Math.round(o.timeoutMs / 1000)} s: ${(err as Error).message}`, { cause: err });
      }
      const pause = Math.min(delay, left);
      o.onRetry?.(attempt, pause, err as Error);
      await new Promise((resolve) => setTimeout(resolve, pause));
      delay = Math.min(delay * 2, o.maxDelayMs ?? 5000);
    }
  }
}
