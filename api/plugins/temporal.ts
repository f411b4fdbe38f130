// The Temporal client as `app.temporal`. A client handed in (tests, benchmarks) stays its
// owner's; one this plugin connects from temporal.yaml it closes when the app closes. It waits
// for a Temporal server that is not up yet (TEMPORAL_CONNECT_TIMEOUT_MS), as the worker does.
import fp from 'fastify-plugin';
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../../runtime/config.js';
import { connectionOptions, connectPatiently, dataConverter } from '../../runtime/temporal.js';
import { clientInterceptors } from '../../runtime/tracing.js';

declare module 'fastify' {
  interface FastifyInstance {
    temporal: Client;
  }
}

export default fp<{ config: AppConfig; temporal?: Client }>(
  async (app, { config, temporal }) => {
    if (temporal) {
      app.decorate('temporal', temporal);
      return;
    }
    const connection = await connectPatiently(() => Connection.connect(connectionOptions(config.temporal)), {
      timeoutMs: config.env.TEMPORAL_CONNECT_TIMEOUT_MS,
      onRetry: (attempt, delayMs, err) => app.log.warn({ address: config.temporal.address, attempt, retryInMs: delayMs, err: err.message }, 'Temporal not reachable yet; waiting for it'),
    });
    app.decorate('temporal', new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverter(config), interceptors: clientInterceptors() }));
    app.addHook('onClose', () => connection.close());
  },
  { name: 'temporal' },
);
