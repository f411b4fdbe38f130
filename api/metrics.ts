// Prometheus metrics for the API process: request rates and latencies by route, and the
// domain's figures read from the read model at scrape time (so every API instance answers the
// same): cases started, tasks overdue, reminders sent, deadline lag. The worker exposes the
// Temporal SDK's own metrics on its own port (WORKER_METRICS_ADDRESS).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.js';

export function createMetrics(db: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shenguan_api_' });
  const requests = new Counter({ name: 'shenguan_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'shenguan_http_request_duration_seconds', help: 'HTTP request latency by route and method', labelNames: ['route', 'method'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });

  const domain = async () => {
    const [row] = await db.execute<{ cases: number; open_cases: number; tasks_overdue: number; feedback_overdue: number; reminders: number; sms_failed: number }>(sql`
      select
        (select count(*) from cases)::int as cases,
        (select count(*) from cases where closed_at is null)::int as open_cases,
        (select count(*) from tasks where claim_overdue and status = 'awaiting-claim')::int as tasks_overdue,
        (select count(*) from tasks where feedback_overdue and status <> 'closed')::int as feedback_overdue,
        (select count(*) from notifications where template like '%reminder%' and status in ('sent', 'delivered'))::int as reminders,
        (select count(*) from notifications where status = 'failed')::int as sms_failed`);
    return row!;
  };
  const gauge = (name: string, help: string, pick: (r: Awaited<ReturnType<typeof domain>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(pick(await domain()));
      },
    });
  gauge('shenguan_cases_started_total', 'Cases started (applications accepted)', (r) => r.cases);
  gauge('shenguan_cases_open', 'Cases not closed yet', (r) => r.open_cases);
  gauge('shenguan_tasks_claim_overdue', 'Tasks past their claim deadline and still unclaimed', (r) => r.tasks_overdue);
  gauge('shenguan_tasks_feedback_overdue', 'Tasks past their feedback deadline without feedback', (r) => r.feedback_overdue);
  gauge('shenguan_reminders_sent_total', 'Reminder SMS sent', (r) => r.reminders);
  gauge('shenguan_notifications_failed', 'Notifications the gateway refused or reported failed', (r) => r.sms_failed);
  // Deadline lag = when the overdue mark was recorded − the deadline it marks, over the last day.
  new Gauge({
    name: 'shenguan_deadline_lag_seconds',
    help: 'Lag between a claim deadline and its overdue mark, over the last 24 h (quantiles)',
    labelNames: ['quantile'] as const,
    registers: [registry],
    async collect() {
      const [r] = await db.execute<{ p50: number | null; p99: number | null; max: number | null }>(sql`
        select percentile_cont(0.5) within group (order by lag) as p50, percentile_cont(0.99) within group (order by lag) as p99, max(lag) as max
        from (select extract(epoch from (at - (detail->>'claimDueAt')::timestamptz)) as lag
              from audit_events where kind = 'claim-overdue' and at > now() - interval '1 day') l`);
      this.set({ quantile: '0.5' }, Number(r?.p50 ?? 0));
      this.set({ quantile: '0.99' }, Number(r?.p99 ?? 0));
      this.set({ quantile: '1' }, Number(r?.max ?? 0));
    },
  });

  return {
    registry,
    /** Counts and times every request by its route pattern (not its URL, which carries ids). */
    install(app: FastifyInstance) {
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url ?? 'unmatched';
        requests.inc({ route, method: req.method, status: String(reply.statusCode) });
        latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
      });
    },
  };
}
