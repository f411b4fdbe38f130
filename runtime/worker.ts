// The worker process: bundled workflows + activities on one task queue. Run N of them against
// the same task queue to spread the load; Temporal hands each task to one of them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createEmbeddedSms } from '../activities/adapters/sms.js';
import { createEmbeddedCredit } from '../activities/adapters/credit.js';
import { createEmbeddedCreditPlatform } from '../activities/adapters/credit-platform.js';
import { createEmbeddedElicence } from '../activities/adapters/elicence.js';
import { createHttpCredit, createHttpElicence, createHttpHotline, createHttpSms } from '../activities/adapters/http.js';
import { createEmbeddedHotline } from '../activities/adapters/hotline.js';
import { databaseCalendar } from '../activities/calendar.js';
import { createDatabase, withoutQueryParameters, type Database } from '../db/client.js';
import { loadConfigOrExit, projectRoot, requireDatabaseUrl, type AppConfig } from './config.js';
import { connectionOptions, connectPatiently, dataConverter } from './temporal.js';
import { createLogger, installTemporalRuntimeLogger } from './logger.js';
import { ADAPTER_BACKOFF_MS } from '../workflows/domain/limits.js';
import { clientInterceptors, startTracing, stopTracing, tracingActivityInterceptors, tracingSinks, workflowInterceptorModules } from './tracing.js';

export const workflowsPath = path.join(projectRoot, 'workflows', 'index.ts');

/**
 * Compiled (node dist/runtime/worker.js) the worker has no TypeScript sources to bundle: it
 * loads the bundle `npm run build` wrote next to it (dist/workflow-bundle.js) unless
 * WORKFLOW_BUNDLE_PATH names another. From source it bundles workflows/ at start.
 */
const here = fileURLToPath(import.meta.url);
export const builtBundlePath = here.endsWith('.js') ? path.join(path.dirname(here), '..', 'workflow-bundle.js') : undefined;

/** The embedded adapters by default; an HTTP adapter for each system whose URL is configured. */
export function productionDeps(database: Database, temporal: Client, config?: AppConfig): ActivityDeps {
  const e = config?.env;
  const http = (url: string | undefined, apiKey: string | undefined) => (url ? { url, apiKey, timeoutMs: e!.ADAPTER_TIMEOUT_MS, attempts: e!.ADAPTER_ATTEMPTS, backoffMs: ADAPTER_BACKOFF_MS } : null);
  const sms = http(e?.SMS_URL, e?.SMS_API_KEY);
  const credit = http(e?.CREDIT_PLATFORM_URL, e?.CREDIT_PLATFORM_API_KEY);
  const elicence = http(e?.ELICENCE_URL, e?.ELICENCE_API_KEY);
  const hotline = http(e?.HOTLINE_URL, e?.HOTLINE_API_KEY);
  return {
    db: database.db,
    sms: sms ? createHttpSms(sms) : createEmbeddedSms(database.db),
    credit: credit ? createHttpCredit(credit) : createEmbeddedCredit(database.db),
    creditPlatform: credit ? createHttpCredit(credit) : createEmbeddedCreditPlatform(database.db),
    elicence: elicence ? createHttpElicence(elicence) : createEmbeddedElicence(database.db),
    calendar: databaseCalendar(database.db),
    hotline: hotline ? createHttpHotline(hotline) : createEmbeddedHotline(database.db),
    clock: () => new Date(),
    temporal,
  };
}

export async function createWorker(config: AppConfig, database: Database, connection: NativeConnection, temporal: Client): Promise<Worker> {
  const t = config.temporal;
  const codePath = config.env.WORKFLOW_BUNDLE_PATH ?? builtBundlePath;
  if (codePath && !existsSync(codePath)) throw new Error(`workflow bundle ${codePath} not found: run \`npm run build\` (or npm run build:bundle) or set WORKFLOW_BUNDLE_PATH`);
  const bundle: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = codePath
    ? { workflowBundle: { codePath } } // pre-built for production (scripts/build-bundle.ts: the tracing interceptors are in it)
    : { workflowsPath };
  return Worker.create({
    connection,
    namespace: t.namespace,
    taskQueue: t.taskQueue,
    ...bundle,
    activities: createActivities(productionDeps(database, temporal, config)),
    maxCachedWorkflows: t.worker.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: t.worker.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: t.worker.maxConcurrentWorkflowTaskExecutions,
    shutdownGraceTime: t.worker.shutdownGraceTime as WorkerOptions['shutdownGraceTime'],
    ...workerInterceptors(!codePath),
    dataConverter: dataConverter(config),
  });
}

/**
 * Every worker's interceptors and sinks: tracing (runtime/tracing.ts: the activity's span, the
 * workflow's spans through the `exporter` sink), then redaction, so a span records the failure
 * as redacted. `withWorkflowModules`: bundling at start (a pre-built bundle has them in it).
 */
export function workerInterceptors(withWorkflowModules = true): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: { activity: [tracingActivityInterceptors, redactingActivityInterceptors], ...(withWorkflowModules && { workflowModules: workflowInterceptorModules }) },
    sinks: tracingSinks(),
  };
}

/**
 * An activity's failure is logged by the SDK and kept by Temporal (the pending activity's last
 * failure, the failed event): a failed statement's values must not be in it (withoutQueryParameters).
 */
export const redactingActivityInterceptors: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute: (input, next) =>
      next(input).catch((err: unknown) => {
        throw withoutQueryParameters(err);
      }),
  },
});

async function main(log: Logger) {
  const config = loadConfigOrExit();
  const database = createDatabase(requireDatabaseUrl(config), { max: config.env.DATABASE_POOL_MAX, prepare: config.env.DATABASE_PREPARE });
  const patience = {
    timeoutMs: config.env.TEMPORAL_CONNECT_TIMEOUT_MS,
    onRetry: (attempt: number, delayMs: number, err: Error) =>
      log.warn({ address: config.temporal.address, attempt, retryInMs: delayMs, err: err.message }, 'Temporal not reachable yet; waiting for it'),
  };
  const connection = await connectPatiently(() => NativeConnection.connect(connectionOptions(config.temporal) as Parameters<typeof NativeConnection.connect>[0]), patience);
  // Activities that signal other workflows (calendar re-timing) use an ordinary client.
  const clientConnection = await connectPatiently(() => Connection.connect(connectionOptions(config.temporal)), patience);
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter: dataConverter(config), interceptors: clientInterceptors() });
  const worker = await createWorker(config, database, connection, temporal);
  log.info({ taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }, 'worker running');
  // Worker.run() resolves after SIGINT/SIGTERM (the SDK installs the handlers) once in-flight
  // tasks have finished or shutdownGraceTime has passed.
  await worker.run();
  await clientConnection.close();
  await connection.close();
  await database.close();
  await stopTracing();
  log.info('worker stopped');
}

// Run as a program (tsx runtime/worker.ts, or node dist/runtime/worker.js), not when imported.
if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const log = createLogger(process.env.LOG_LEVEL ?? 'info', 'worker');
  installTemporalRuntimeLogger(log, process.env.WORKER_METRICS_ADDRESS);
  if (startTracing('shenguan-worker')) log.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: exporting spans over OTLP');
  main(log).catch((err) => {
    log.fatal({ err }, 'worker failed');
    process.exit(1);
  });
}
