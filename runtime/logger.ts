import { pino, type Logger } from 'pino';
import { Runtime, makeTelemetryFilterString, type LogLevel, type LogMetadata } from '@temporalio/worker';
import { DEADLINE_LAG_BUCKETS, DEADLINE_LAG_METRIC } from '../activities/deadline-lag.js';

export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, base: { service: 'shenguan', process: name } });
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Bridges the Temporal runtime's logger (worker, workflow `log`, activity `log`) to pino, so
 * every line is structured and carries workflow and activity ids (STYLE.md §12).
 */
export function installTemporalRuntimeLogger(logger: Logger, metricsAddress?: string): void {
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => logger[LEVELS[level]](meta ?? {}, message);
  Runtime.install({
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      // The SDK's own metrics (task latencies, slots, polls) for Prometheus, when asked for, and
      // the product's own recorded through the SDK's meter (the deadline lag, in seconds).
      ...(metricsAddress && { metrics: { prometheus: { bindAddress: metricsAddress, histogramBucketOverrides: { [DEADLINE_LAG_METRIC]: DEADLINE_LAG_BUCKETS } } } }),
    },
  });
}
