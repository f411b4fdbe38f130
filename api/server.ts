// The API process: the one place that calls listen(). Stateless: run N behind a load balancer.
// The app opens the database pool, the Temporal connection and the token verifier itself, and
// closes them when it closes (api/plugins/).
import path from 'node:path';
import { loadConfigOrExit, projectRoot } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { buildApp } from './app.js';
import { startRetiming } from './routes/calendar.js';
import { startTracing } from '../runtime/tracing.js';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.env.LOG_LEVEL, 'api');
  // Before the app is built: its HTTP spans and the client's are recorded from the first request.
  if (startTracing('shenguan-api')) log.info({ endpoint: process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: exporting spans over OTLP');
  const app = await buildApp({ config }, { logger: log });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.env.PORT, host: config.env.HOST });
  // An import whose re-timing never started (the seed's, or one whose API died in between)
  // is started now; one running or done is left alone (same workflow id).
  await startRetiming(app).catch((err: unknown) => log.warn({ err }, 'could not start the re-timing of earlier calendar imports; the next import retries'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(projectRoot, 'api', 'server.ts')) {
  main().catch((err) => {
    process.stderr.write(`api failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
