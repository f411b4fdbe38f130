// The API process: the one place that calls listen(). Stateless: run N behind a load balancer.
// The app opens the database pool, the Temporal connection and the token verifier itself, and
// closes them when it closes (api/plugins/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { loadConfigOrExit } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { buildApp } from './app.js';
import { startRetiming } from './routes/calendar.js';
import { ensurePublicationSchedule, ensureReportSchedule } from './report/schedule.js';
import { startTracing } from '../runtime/tracing.js';

/** How long a close may take (in-flight requests, the pool, the Temporal connection) before the process gives up on it. */
export const CLOSE_GRACE_MS = 10_000;

/**
 * SIGINT/SIGTERM (and an uncaught error) close the app: in-flight requests finish, then the
 * services close. A close that hangs (a request that never ends, a pool that never drains) is
 * cut off after `delayMs`: logged, exit 1, so the supervisor sees a shutdown that was not clean
 * instead of a process that never goes. A second signal exits at once.
 */
export function closeOnSignal(app: { close(): PromiseLike<unknown> }, log: Logger, delayMs = CLOSE_GRACE_MS): void {
  closeWithGrace(
    {
      delay: delayMs,
      // close-with-grace's own lines: "killed by timeout (10000ms)", "second SIGTERM, exiting", a failed close.
      logger: { error: (msg: unknown) => (msg instanceof Error ? log.error({ err: msg }, 'close failed; exiting with code 1') : log.error({ delayMs }, `graceful close: ${String(msg)}; exiting with code 1`)) },
    },
    async ({ signal, err }) => {
      if (err) log.error({ err }, 'shutting down after an uncaught error');
      else log.info({ signal }, 'shutting down: finishing in-flight requests');
      await app.close();
      log.info('closed');
    },
  );
}

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.env.LOG_LEVEL, 'api');
  // Before the app is built: its HTTP spans and the client's are recorded from the first request.
  if (startTracing('shenguan-api')) log.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: exporting spans over OTLP');
  const app = await buildApp({ config }, { logger: log });

  closeOnSignal(app, log);

  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  // An import whose re-timing never started (the seed's, or one whose API died in between)
  // is started now; one running or done is left alone (same workflow id).
  await startRetiming(app).catch((err: unknown) => log.warn({ err }, 'could not start the re-timing of earlier calendar imports; the next import retries'));
  // The monthly 通报's daily check (docs/reports.md); an existing schedule is left as it is.
  await ensureReportSchedule(app.temporal, app.config.temporal.taskQueue).catch((err: unknown) => log.warn({ err }, 'could not create the monthly report schedule; the next API start retries'));
  // 一公开: the daily publication of random-inspection results (docs/random-inspections.md).
  await ensurePublicationSchedule(app.temporal, app.config.temporal.taskQueue).catch((err: unknown) => log.warn({ err }, 'could not create the publication schedule; the next API start retries'));
}

// Run as a program (tsx api/server.ts, or node dist/api/server.js), not when imported.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`api failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
