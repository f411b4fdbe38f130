// Configuration is parsed once, with zod, at start (STYLE.md §10). temporal.yaml holds the
// Temporal settings; environment variables override them. A missing or malformed value stops
// the process with a message that names it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ACTIVITY_START_TO_CLOSE_MS, ACTIVITY_WRITE_MARGIN_MS, adapterBudgetMs } from '../workflows/domain/limits.js';

/**
 * The package's root (package.json, temporal.yaml, .data/): the nearest folder above this
 * module's with a package.json — the same from runtime/config.ts and from the compiled
 * dist/runtime/config.js (docs/production.md).
 */
export const projectRoot = ((): string => {
  const start = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
})();

const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration like 500ms, 10s, 5m or 1h');

const searchAttributeType = z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

export const temporalFileSchema = z
  .object({
    address: z.string().regex(/^[^\s:]+:\d+$/, 'host:port'),
    namespace: z.string().min(1),
    taskQueue: z.string().min(1),
    uiUrl: z.string().url(),
    apiKey: z.string().min(1).optional(),
    tls: z
      .object({
        enabled: z.boolean().default(false),
        clientCertPath: z.string().optional(),
        clientKeyPath: z.string().optional(),
        serverRootCaPath: z.string().optional(),
        serverName: z.string().optional(),
      })
      .strict()
      .default({ enabled: false }),
    worker: z
      .object({
        maxCachedWorkflows: z.number().int().positive(),
        maxConcurrentActivityTaskExecutions: z.number().int().positive(),
        maxConcurrentWorkflowTaskExecutions: z.number().int().min(2),
        shutdownGraceTime: duration,
      })
      .strict(),
    searchAttributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), searchAttributeType),
    devServer: z
      .object({
        port: z.number().int().min(1).max(65535),
        uiPort: z.number().int().min(1).max(65535),
        dataDir: z.string().min(1),
        logLevel: z.enum(['debug', 'info', 'warn', 'error']),
        sqlitePragmas: z.record(z.string(), z.string()),
      })
      .strict(),
  })
  .strict();

export type TemporalConfig = z.infer<typeof temporalFileSchema>;

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
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().optional(),
  TEMPORAL_TASK_QUEUE: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
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
  ELICENCE_API_KEY: z.string().optional(),
  /** The largest file POST /v1/documents takes (bytes; 10 MiB by default): a scanned licence or a signed PDF, not an archive. */
  DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(10 * 1024 * 1024),
  ADAPTER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  ADAPTER_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
});

export interface AppConfig {
  env: z.infer<typeof envSchema>;
  temporal: TemporalConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function describeIssues(source: string, error: z.ZodError): string {
  return error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Parses temporal.yaml and the environment; throws ConfigError naming every bad value. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = envSchema.safeParse(environment);
  if (!env.success) throw new ConfigError(describeIssues('environment', env.error));
  const file = env.data.TEMPORAL_CONFIG;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  const e = env.data;
  const budget = adapterBudgetMs(e.ADAPTER_TIMEOUT_MS, e.ADAPTER_ATTEMPTS);
  if (budget > ACTIVITY_START_TO_CLOSE_MS - ACTIVITY_WRITE_MARGIN_MS) {
    throw new ConfigError(
      `environment: ADAPTER_TIMEOUT_MS × ADAPTER_ATTEMPTS (with backoff: ${budget} ms) must stay under ${ACTIVITY_START_TO_CLOSE_MS - ACTIVITY_WRITE_MARGIN_MS} ms, the activity attempt's ${ACTIVITY_START_TO_CLOSE_MS} ms less ${ACTIVITY_WRITE_MARGIN_MS} ms for its writes`,
    );
  }
  const merged = structuredClone(raw ?? {}) as Record<string, unknown> & { tls?: Record<string, unknown>; devServer?: Record<string, unknown> };
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== '') merged[key] = value;
  };
  set('address', e.TEMPORAL_ADDRESS);
  set('namespace', e.TEMPORAL_NAMESPACE);
  set('taskQueue', e.TEMPORAL_TASK_QUEUE);
  set('apiKey', e.TEMPORAL_API_KEY);
  set('uiUrl', e.TEMPORAL_UI_URL);
  if (e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_KEY || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME) {
    merged.tls = {
      ...(merged.tls ?? {}),
      enabled: true,
      ...(e.TEMPORAL_TLS_CERT && { clientCertPath: e.TEMPORAL_TLS_CERT }),
      ...(e.TEMPORAL_TLS_KEY && { clientKeyPath: e.TEMPORAL_TLS_KEY }),
      ...(e.TEMPORAL_TLS_CA && { serverRootCaPath: e.TEMPORAL_TLS_CA }),
      ...(e.TEMPORAL_TLS_SERVER_NAME && { serverName: e.TEMPORAL_TLS_SERVER_NAME }),
    };
  }
  if (merged.devServer && typeof merged.devServer === 'object') {
    if (e.TEMPORAL_DEV_PORT) merged.devServer.port = e.TEMPORAL_DEV_PORT;
    if (e.TEMPORAL_DEV_UI_PORT) merged.devServer.uiPort = e.TEMPORAL_DEV_UI_PORT;
    if (e.TEMPORAL_DEV_DATA_DIR) merged.devServer.dataDir = e.TEMPORAL_DEV_DATA_DIR;
  }
  const temporal = temporalFileSchema.safeParse(merged);
  if (!temporal.success) throw new ConfigError(describeIssues(file, temporal.error));
  const t = temporal.data;
  if (t.tls.enabled && Boolean(t.tls.clientCertPath) !== Boolean(t.tls.clientKeyPath)) {
    throw new ConfigError(`${file}: tls: clientCertPath and clientKeyPath go together`);
  }
  return { env: e, temporal: t };
}

/** For process entries: load the config or print what is wrong and exit. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error:\n${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export function requireDatabaseUrl(config: AppConfig): string {
  if (!config.env.DATABASE_URL) {
    throw new ConfigError('environment: DATABASE_URL: required (npm start sets it for the local server)');
  }
  return config.env.DATABASE_URL;
}
