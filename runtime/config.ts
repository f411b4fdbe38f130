// Configuration is parsed once, with zod, at start (STYLE.md §10). temporal.yaml holds the
// Temporal settings; environment variables override them. A missing or malformed value stops
// the process with a message that names it.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/domain/search-attributes.js';
import { ACTIVITY_START_TO_CLOSE_MS, ACTIVITY_WRITE_MARGIN_MS, adapterBudgetMs } from '../workflows/domain/limits.js';
import { ConfigError, describeIssues } from './config-error.js';
import { envSchema } from './env-schema.js';
import { temporalConnection, type TemporalConnection } from './temporal-connection.js';

// What every process entry takes from here (the pieces live in their own modules).
export { ConfigError } from './config-error.js';
export { projectRoot } from './project-root.js';

const duration = z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration like 500ms, 10s, 5m or 1h');

const searchAttributeType = z.enum(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

/**
 * temporal.yaml: what is this application's own (task queue, worker tuning, search attributes,
 * the UI's address and the local dev server). Where the server is and how to reach it
 * (address, namespace, TLS, API key) is not here: it comes from Temporal's own configuration
 * (temporal-connection.ts).
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

export type TemporalConfig = z.infer<typeof temporalFileSchema> &
  TemporalConnection & {
    /** TLS or an API key: a server of someone else's, not a local dev server. */
    secured: boolean;
  };

export interface AppConfig {
  env: z.infer<typeof envSchema>;
  temporal: TemporalConfig;
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
