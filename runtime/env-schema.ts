// The environment the processes read, parsed once at start (config.ts loadConfig): a missing or
// malformed value stops the process with a message that names it.
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './project-root.js';

/** The environment the processes read (`npm run env:example` writes .env.example from it). */
export const envSchema = z.object({
  // Production unless a local run says otherwise: a deploy that forgets it gets no dev key.
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Requests per minute per caller (its token's subject, else its address) before 429 (benchmarks raise it). */
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(1200),
  /** Bearer token Prometheus scrapes /metrics with (else an operator JWT is needed). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** host:port where the worker serves the Temporal SDK's Prometheus metrics and the deadline lag (npm start: 127.0.0.1:9464); unset: off. */
  WORKER_METRICS_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'host:port').optional(),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  // Prepared statements (one round trip per repeated statement, no re-parse); false behind a
  // connection pooler that does not keep them per client (PgBouncer before 1.21, transaction mode).
  DATABASE_PREPARE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  // Authentication: JWKS_URL or JWT_PUBLIC_KEY (PEM) in production; otherwise an HMAC key
  // file that `npm start` creates under .data/ for local development only.
  JWKS_URL: z.string().url().optional(),
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ALGORITHMS: z.string().default('RS256,ES256'),
  JWT_DEV_KEY_FILE: z.string().default(path.join(projectRoot, '.data', 'dev-jwt.key')),
  // Never empty: an empty issuer or audience would switch its check off.
  JWT_ISSUER: z.string().min(1, 'must not be empty (an empty issuer turns the check off)').default('shenguan-local'),
  JWT_AUDIENCE: z.string().min(1, 'must not be empty (an empty audience turns the check off)').default('shenguan'),
  /** Clock skew tolerated on a token's exp/nbf/iat (seconds). */
  JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /**
   * Behind a reverse proxy: which X-Forwarded-For hops to trust for the client address (the
   * rate limit's key for unauthenticated calls). `false` (default), `true`, a hop count, or a
   * comma-separated list of proxy addresses/CIDRs, as Fastify's trustProxy.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | string[] | ((addr: string, hop: number) => boolean) => {
      if (v === 'true' || v === 'false') return v === 'true';
      if (/^\d+$/.test(v)) return (_addr, hop) => hop < Number(v); // the n nearest hops
      return v.split(',').map((x) => x.trim()).filter(Boolean);
    }),
  // Payload encryption (runtime/codec.ts): `id:base64key,…`, the first key encrypts. Outside
  // production a local key file is made when unset.
  PAYLOAD_KEYS: z.string().optional(),
  PAYLOAD_DEV_KEY_FILE: z.string().default(path.join(projectRoot, '.data', 'payload-keys')),
  /** The local demo only (npm start): the dev server's UI has no login, so its codec calls carry no token. */
  CODEC_ALLOW_ANONYMOUS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  TIMEZONE: z.literal('Asia/Shanghai').default('Asia/Shanghai'),
  TEMPORAL_CONFIG: z.string().default(path.join(projectRoot, 'temporal.yaml')),
  // The task queue, else temporal.yaml's. (The connection itself is Temporal's own
  // configuration, read by temporalConnection(): TEMPORAL_CONNECTION_ENV.)
  TEMPORAL_TASK_QUEUE: z.string().optional(),
  /** How long the worker and the API wait at start for an unreachable Temporal server (ms). */
  TEMPORAL_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).default(300_000),
  TEMPORAL_UI_URL: z.string().optional(),
  TEMPORAL_DEV_PORT: z.coerce.number().int().optional(),
  TEMPORAL_DEV_UI_PORT: z.coerce.number().int().optional(),
  TEMPORAL_DEV_DATA_DIR: z.string().optional(),
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
  // External systems (see activities/adapters/http.ts). Unset: the embedded adapters, which keep
  // their records in PostgreSQL so the whole loop is visible locally.
  SMS_URL: z.string().url().optional(),
  SMS_API_KEY: z.string().optional(),
  /** Shared secret the SMS provider sends with delivery receipts (POST /v1/sms/receipts). */
  SMS_RECEIPT_TOKEN: z.string().min(16).optional(),
  CREDIT_PLATFORM_URL: z.string().url().optional(),
  CREDIT_PLATFORM_API_KEY: z.string().optional(),
  ELICENCE_URL: z.string().url().optional(),
  /** The hotline systems (12345, 12315) a complaint's reply goes back to; embedded in PostgreSQL when unset. */
  HOTLINE_URL: z.string().url().optional(),
  HOTLINE_API_KEY: z.string().optional(),
  ELICENCE_API_KEY: z.string().optional(),
  /** The headless browser the API prints the monthly report's PDF with (docs/reports.md); absent: PDF requests are 503. */
  CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  /** The largest file POST /v1/documents takes (bytes; 10 MiB by default): a scanned licence or a signed PDF, not an archive. */
  DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  ADAPTER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  ADAPTER_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
});
