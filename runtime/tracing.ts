/**
 * OpenTelemetry tracing, one trace per request: the API's HTTP span (@fastify/otel), the
 * Temporal client's call (StartWorkflow / UpdateWorkflow), the workflow's own spans and its
 * activities' (@temporalio/interceptors-opentelemetry: the context travels in Temporal headers,
 * and the workflow's spans leave the sandbox through a sink), and every SQL statement an
 * activity or a route sends (db/client.ts statementSpans). Exported over OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, with the
 * exporter's own OTEL_* settings; else nothing is recorded.
 *
 * The interceptors are installed whether or not tracing is on, so a history has the same
 * shape either way (the context header on starts, updates and activities), and the recorded
 * histories in test/histories/ are recorded with them on.
 *
 * No personal data in a span: SQL spans carry the statement text (parameters are never in it)
 * and no values; the HTTP span its route, not its body.
 */
import { context, trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The workflow-side interceptors (run in the workflow sandbox; bundled with the workflows). */
export const workflowInterceptorModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

interface Tracing {
  provider: NodeTracerProvider;
  processor: SpanProcessor;
  resource: Resource;
}

let current: Tracing | undefined;

/** Whether spans are recorded in this process (startTracing was called with an exporter or an endpoint). */
export const tracingOn = (): boolean => current !== undefined;

/**
 * Starts tracing for this process (`service`: shenguan-api, shenguan-worker) when an OTLP
 * endpoint is configured or an exporter is handed in (tests: an InMemorySpanExporter, exported
 * at once); answers whether it did. Once per process: a second call keeps the first provider.
 */
export function startTracing(service: string, o: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv } = {}): boolean {
  if (current) return true;
  const env = o.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!o.exporter && !endpoint) return false;
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || service });
  const processor = o.exporter ? new SimpleSpanProcessor(o.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register(); // the global provider, W3C trace-context propagation, async-hooks context
  current = { provider, processor, resource };
  return true;
}

/** Sends what the batch holds (an API closing: its last requests' spans). */
export async function flushTracing(): Promise<void> {
  await current?.provider.forceFlush();
}

/** Flushes and stops the exporter (a process's shutdown; tests between files). */
export async function stopTracing(): Promise<void> {
  const t = current;
  current = undefined;
  await t?.provider.shutdown();
  trace.disable();
  context.disable();
}

/** The Temporal client's interceptors (the API's client, the worker's client). */
export function clientInterceptors(): { workflow: WorkflowClientInterceptor[] } {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** The activities' interceptors: a span per activity, as a child of the workflow's. */
export const tracingActivityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/**
 * The sink the workflow interceptors hand their spans to. Without tracing the spans go to a
 * processor that drops them (the workflow side still runs, so histories look the same).
 */
export function tracingSinks(): NonNullable<WorkerOptions['sinks']> {
  const t = current;
  return { exporter: makeWorkflowExporter(t?.processor ?? new NoopSpanProcessor(), t?.resource ?? Resource.empty()) };
}
