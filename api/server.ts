// The API process: the one place that calls listen(). Stateless: run N behind a load balancer.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit, projectRoot, requireDatabaseUrl } from '../runtime/config.js';
import { connectionOptions, connectPatiently } from '../runtime/temporal.js';
import { createLogger } from '../runtime/logger.js';
import { createDatabase } from '../db/client.js';
import { buildApp } from './app.js';
import { createVerifier } from './auth.js';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.env.LOG_LEVEL, 'api');
  const database = createDatabase(requireDatabaseUrl(config), { max: config.env.DATABASE_POOL_MAX, prepare: config.env.DATABASE_PREPARE });
  // Waits for a Temporal server that is not up yet (TEMPORAL_CONNECT_TIMEOUT_MS), as the worker.
  const connection = await connectPatiently(() => Connection.connect(connectionOptions(config.temporal)), {
    timeoutMs: config.env.TEMPORAL_CONNECT_TIMEOUT_MS,
    onRetry: (attempt, delayMs, err) => log.warn({ address: config.temporal.address, attempt, retryInMs: delayMs, err: err.message }, 'Temporal not reachable yet; waiting for it'),
  });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = await buildApp({ config, database, temporal, verifier: await createVerifier(config) }, { logger: log });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await connection.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.env.PORT, host: config.env.HOST });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(projectRoot, 'api', 'server.ts')) {
  main().catch((err) => {
    process.stderr.write(`api failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
