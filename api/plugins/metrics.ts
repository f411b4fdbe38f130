// Prometheus metrics for the API process: request rates and latencies by route, and the
// domain's figures read from the read model at scrape time (so every API instance answers the
// same): cases started and reminders sent (counters: counts of events, only ever growing),
// cases open, tasks overdue, failed notifications (gauges: how many are so now). The deadline
// lag is the worker's, a histogram recorded as each timed step runs, on the worker's endpoint
// with the Temporal SDK's own metrics (WORKER_METRICS_ADDRESS; activities/deadline-lag.ts).
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { domainFigures, type DomainFigures } from '../../db/queries/stats.js';
import type { Principal } from '../auth.js';
import { forbidden, problems, unauthorized } from '../errors.js';
import { bearerToken } from './authentication.js';

/**
 * prom-client's default metrics add three gauges named *_total (nodejs_active_handles_total, …
 * requests, … resources), which Prometheus tooling reads as counters: they are the sums of the
 * gauges by type beside them (nodejs_active_handles{type}), so they are left out.
 */
function withoutTotalOnGauges(registry: Registry): void {
  for (const metric of registry.getMetricsAsArray()) {
    const { name } = metric as unknown as { name: string };
    if (metric instanceof Gauge && name.endsWith('_total')) registry.removeSingleMetric(name);
  }
}

function createRegistry(db: Db) {
  const registry = new Registry();
  // The domain's figures are one statement, read once per scrape and shared by its gauges
  // (each gauge reading them itself made six statements, 36 counts, per scrape).
  let figures: Promise<DomainFigures> | undefined;
  const scrape = async () => {
    figures = domainFigures(db);
    try {
      return await registry.metrics();
    } finally {
      figures = undefined;
    }
  };
  collectDefaultMetrics({ register: registry, prefix: 'shenguan_api_' });
  withoutTotalOnGauges(registry);
  const requests = new Counter({ name: 'shenguan_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'shenguan_http_request_duration_seconds', help: 'HTTP request latency by route and method', labelNames: ['route', 'method'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });
  const read = () => (figures ??= domainFigures(db));
  const gauge = (name: string, help: string, pick: (r: DomainFigures) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await read()));
      },
    });
  // A count of events kept in the read model: exposed as a counter whose value is the count
  // (as an exporter exposes a kernel's counters), so rate() and increase() apply; it only
  // grows, so Prometheus never sees a reset that was not one.
  const counter = (name: string, help: string, pick: (r: DomainFigures) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        this.inc(pick(await read()));
      },
    });
  counter('shenguan_cases_started_total', 'Cases started (applications accepted)', (r) => r.cases);
  counter('shenguan_reminders_sent_total', 'Reminder SMS the gateway took', (r) => r.reminders);
  gauge('shenguan_cases_open', 'Cases not closed yet', (r) => r.open_cases);
  gauge('shenguan_tasks_claim_overdue', 'Tasks past their claim deadline and still unclaimed', (r) => r.tasks_overdue);
  gauge('shenguan_tasks_feedback_overdue', 'Tasks past their feedback deadline without feedback', (r) => r.feedback_overdue);
  gauge('shenguan_notifications_failed', 'Notifications the gateway refused or reported failed', (r) => r.sms_failed);
  return { registry, requests, latency, scrape };
}

export default fp<{ scrapeToken?: string }>(
  async (app, { scrapeToken }) => {
    const { registry, requests, latency, scrape } = createRegistry(app.db);
    app.addHook('onClose', async () => registry.clear());

    // Counts and times every request by its route pattern (not its URL, which carries ids).
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      requests.inc({ route, method: req.method, status: String(reply.statusCode) });
      latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
    });

    // For Prometheus: an operator token, or the scrape token when METRICS_TOKEN is set.
    app.get('/metrics', { schema: { operationId: 'getMetrics', tags: ['service'], summary: 'Prometheus metrics (text exposition format): an operator token, or the scrape token (METRICS_TOKEN) as bearer', response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } }, ...problems(401, 403) } } }, async (req, reply) => {
      const token = bearerToken(req.headers.authorization) ?? '';
      if (!(scrapeToken && token === scrapeToken)) {
        const principal: Principal | undefined = token ? await app.verifier.verify(token).catch(() => undefined) : undefined;
        if (!principal) throw unauthorized('an operator token or the scrape token is required');
        if (principal.role !== 'operator') throw forbidden('metrics are for operators');
      }
      return reply.type(registry.contentType).send(await scrape());
    });
  },
  { name: 'metrics', dependencies: ['database', 'authentication'] },
);
