// Configuration is parsed once, with zod, at start (STYLE.md §10). temporal.yaml holds the
// Temporal settings; environment variables override them. A missing or malformed value stops
// the process with a message that names it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/domain/search-attributes.js';
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

/**
 * temporal.yaml: what is this application's own (task queue, worker tuning, search attributes,
 * the UI's address and the local dev server). Where the server is and how to reach it
 * (address, namespace, TLS, API key) is not here: it comes from Temporal's own configuration
 * (temporalConnection below).
 */
export const temporalFileSchema = z
  .object({
    taskQueue: z.string().min(1),
    uiUrl: z.string().url(),
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

/** Where the local dev server listens, and so where a process looks when nothing says otherwise. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * The connection, as @temporalio/envconfig resolves it from Temporal's standard sources: the
 * TOML file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml), its profile
 * (TEMPORAL_PROFILE, else `default`), then the TEMPORAL_* variables over it (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, …,
 * TEMPORAL_GRPC_META_*). The same names Temporal's CLI and every SDK read, so one profile serves
 * the CLI, the worker and the API alike.
 */
export interface TemporalConnection {
  address: string;
  namespace: string;
  apiKey?: string;
  /** Certificates already read from their files (or given inline as *_DATA). */
  tls?: TLSConfig | boolean;
  /** gRPC headers on every call (TEMPORAL_GRPC_META_<NAME>). */
  metadata?: Record<string, string>;
  /** The profile it came from, for messages. */
  profile: string;
}

export type TemporalConfig = z.infer<typeof temporalFileSchema> &
  TemporalConnection & {
    /** TLS or an API key: a server of someone else's, not a local dev server. */
    secured: boolean;
  };

/**
 * TEMPORAL_TLS_* names that Temporal's configuration does not read: each stops the process
 * naming the standard one (a variable that is silently ignored means no TLS at all). The first
 * four are this project's own former names.
 */
const RENAMED_TEMPORAL_ENV: Record<string, string> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_ENABLED: 'TEMPORAL_TLS',
  TEMPORAL_TLS_CA_CERT_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_SERVER_NAME_OVERRIDE: 'TEMPORAL_TLS_SERVER_NAME',
};
const STANDARD_TLS_ENV = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
];

/** Temporal's own connection variables (read by @temporalio/envconfig, as the CLI reads them), for .env.example. */
export const TEMPORAL_CONNECTION_ENV: Record<string, string> = {
  TEMPORAL_CONFIG_FILE: 'the TOML file of profiles (else ~/.config/temporalio/temporal.toml, if there is one)',
  TEMPORAL_PROFILE: 'the profile in it (else `default`)',
  TEMPORAL_ADDRESS: `host:port of the frontend (else the profile's, else ${DEFAULT_TEMPORAL_ADDRESS})`,
  TEMPORAL_NAMESPACE: "the namespace (else the profile's, else `default`)",
  TEMPORAL_API_KEY: 'an API key (Temporal Cloud); turns TLS on',
  TEMPORAL_TLS: 'true / false: TLS on or off',
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'mTLS: the client certificate (or TEMPORAL_TLS_CLIENT_CERT_DATA, the PEM itself)',
  TEMPORAL_TLS_CLIENT_KEY_PATH: 'mTLS: its key (or TEMPORAL_TLS_CLIENT_KEY_DATA)',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: "the server's CA (or TEMPORAL_TLS_SERVER_CA_CERT_DATA)",
  TEMPORAL_TLS_SERVER_NAME: "the name in the server's certificate, when it is not the address's host",
  'TEMPORAL_GRPC_META_<NAME>': 'a gRPC header on every call',
};

/** Refuses every TEMPORAL_TLS_* variable that Temporal's configuration would ignore. */
function checkTemporalTlsNames(environment: NodeJS.ProcessEnv): void {
  const wrong = Object.keys(environment)
    .filter((k) => k.startsWith('TEMPORAL_TLS') && !STANDARD_TLS_ENV.includes(k))
    .map((k) =>
      RENAMED_TEMPORAL_ENV[k]
        ? `environment: ${k}: not a Temporal setting; use ${RENAMED_TEMPORAL_ENV[k]}`
        : k === 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'
          ? `environment: ${k}: the TypeScript SDK does not support it (it would be ignored); set TEMPORAL_TLS_SERVER_NAME to the name in the server's certificate`
          : `environment: ${k}: not a Temporal setting; the TLS settings are ${STANDARD_TLS_ENV.join(', ')}`,
    );
  if (wrong.length) throw new ConfigError(wrong.join('\n'));
}

/** envconfig reads the certificates as Uint8Arrays; the worker's native connection wants Buffers. */
function asBuffers(tls: TLSConfig | boolean | undefined): TLSConfig | boolean | undefined {
  if (!tls || typeof tls !== 'object') return tls;
  const b = (u?: Uint8Array): Buffer | undefined => (u ? Buffer.from(u) : undefined);
  return {
    ...tls,
    serverRootCACertificate: b(tls.serverRootCACertificate),
    clientCertPair: tls.clientCertPair && { crt: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) },
  };
}

/** The connection from Temporal's standard sources (see TemporalConnection); bad files or values are a ConfigError. */
export function temporalConnection(environment: NodeJS.ProcessEnv): TemporalConnection {
  checkTemporalTlsNames(environment);
  const env = Object.fromEntries(Object.entries(environment).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const profileName = env.TEMPORAL_PROFILE || 'default';
  let connect: ReturnType<typeof toClientOptions>;
  try {
    const profile = loadClientConfigProfile({ overrideEnvVars: env, configFileStrict: true });
    // Else the SDK drops the half pair without a word, and the server sees no client certificate.
    if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) throw new Error('tls: the client certificate and its key go together (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*)');
    connect = toClientOptions(profile); // reads the certificate files
  } catch (err) {
    const file = env.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file (~/.config/temporalio/temporal.toml, if any)';
    throw new ConfigError(`Temporal connection (profile ${profileName}, ${file}): ${(err as Error).message}`);
  }
  const o = connect.connectionOptions;
  const address = o.address || DEFAULT_TEMPORAL_ADDRESS;
  if (!/^[^\s:]+:\d+$/.test(address)) throw new ConfigError(`Temporal connection (profile ${profileName}): address: host:port, not ${JSON.stringify(address)}`);
  const tls = asBuffers(o.tls as TLSConfig | boolean | undefined);
  return {
    address,
    namespace: connect.namespace || 'default',
    ...(o.apiKey && { apiKey: o.apiKey }),
    ...(tls !== undefined && { tls }),
    ...(o.metadata && Object.keys(o.metadata).length > 0 && { metadata: o.metadata as Record<string, string> }),
    profile: profileName,
  };
}

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
  const merged = structuredClone(raw ?? {}) as Record<string, unknown> & { devServer?: Record<string, unknown> };
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== '') merged[key] = value;
  };
  set('taskQueue', e.TEMPORAL_TASK_QUEUE);
  set('uiUrl', e.TEMPORAL_UI_URL);
  if (merged.devServer && typeof merged.devServer === 'object') {
    if (e.TEMPORAL_DEV_PORT) merged.devServer.port = e.TEMPORAL_DEV_PORT;
    if (e.TEMPORAL_DEV_UI_PORT) merged.devServer.uiPort = e.TEMPORAL_DEV_UI_PORT;
    if (e.TEMPORAL_DEV_DATA_DIR) merged.devServer.dataDir = e.TEMPORAL_DEV_DATA_DIR;
  }
  const temporal = temporalFileSchema.safeParse(merged);
  if (!temporal.success) throw new ConfigError(describeIssues(file, temporal.error));
  // Registered from the file, written by the code's typed keys: the two must agree.
  const declared = Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, k.type]));
  const registered = Object.fromEntries(Object.entries(temporal.data.searchAttributes).map(([n, t]) => [n, t.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()]));
  const drift = [...new Set([...Object.keys(declared), ...Object.keys(registered)])].filter((n) => declared[n] !== registered[n]);
  if (drift.length) throw new ConfigError(`${file}: searchAttributes: ${drift.map((n) => `${n} is ${registered[n] ?? 'missing'} here, ${declared[n] ?? 'unknown'} in workflows/domain/search-attributes.ts`).join('; ')}`);
  const connection = temporalConnection(environment);
  return { env: e, temporal: { ...temporal.data, ...connection, secured: Boolean(connection.tls || connection.apiKey) } };
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
