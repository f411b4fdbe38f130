// The crash test's stack: startStack in its own run dir (.data/crash/run-<pid>), PostgreSQL
// with durable settings (fsync stays on: an immediate shutdown must not lose committed rows), a
// headless dev server with a persistent SQLite file, the API and ONE worker, all on free ports.
// Nothing here touches the servers of `npm start` or `npm test`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { buildWorkflowBundle } from '../build-bundle.js';
import { newRunDir } from '../stack/record.js';
import { httpOk, sleep, waitUntil } from '../stack/proc.js';
import { startStack, type Stack } from '../stack/stack.js';

export interface ProcessExit {
  name: 'api' | 'worker';
  pid: number;
  why: string;
  at: number;
}

export interface CrashStack {
  stack: Stack;
  /** Worker and API exits nobody asked for. */
  exits: ProcessExit[];
  /** To this stack's dev server (it reconnects after a restart). */
  connection: Connection;
}

/** Brings the stack up: PostgreSQL, Temporal, migrations, seed, workflow bundle, API, worker polling. */
export async function startCrashStack(o: { runDir?: string; bundlePath?: string }): Promise<CrashStack> {
  const dir = o.runDir ?? (await newRunDir('crash'));
  fs.mkdirSync(dir, { recursive: true });
  const bundlePath = o.bundlePath && fs.existsSync(o.bundlePath) ? o.bundlePath : path.join(dir, 'workflow-bundle.js');
  // Side by side with the stack; a failure is taken up once the stack is there to stop.
  const bundled = bundlePath === o.bundlePath ? Promise.resolve(undefined) : buildWorkflowBundle(bundlePath, true).then(() => undefined, (e: Error) => e);
  const exits: ProcessExit[] = [];
  const stack = await startStack({
    dir,
    name: 'crash',
    ephemeral: true,
    signals: 'flag',
    postgres: { database: 'shenguan_crash' },
    migrate: true,
    seed: true,
    temporal: { extraArgs: ['--headless'] },
    api: true,
    // The stack's own only: no real adapters, task queue or metrics port of the caller's shell.
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '100000', WORKFLOW_BUNDLE_PATH: bundlePath, TEMPORAL_TASK_QUEUE: undefined, TEMPORAL_CONFIG: undefined, SMS_URL: undefined, CREDIT_PLATFORM_URL: undefined, ELICENCE_URL: undefined, WORKER_METRICS_ADDRESS: undefined },
    onExit: (app) => {
      exits.push({ name: app.name, pid: app.pid, why: /\((.*?)\)/.exec(app.exitError()?.message ?? '')?.[1] ?? 'exited', at: Date.now() });
      stack.say(`the ${app.name} (pid ${app.pid}) exited by itself; see ${path.join(stack.logsDir, `${app.name}.log`)}`);
    },
  });
  try {
    const failed = await bundled;
    if (failed) throw failed;
    await stack.startWorker();
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const crash = { stack, exits, connection };
    if ((await waitWorkerPolling(crash, 90_000)) === null) throw new Error(`the worker did not start polling; see ${path.join(stack.logsDir, 'worker.log')}`);
    return crash;
  } catch (e) {
    await stack.stop({ keep: true });
    throw e;
  }
}

/** Polls /readyz (PostgreSQL and Temporal reachable from the API) until 200; false on timeout. */
export const waitApiReady = (c: CrashStack, timeoutMs: number): Promise<boolean> =>
  waitUntil('the API', () => httpOk(`${c.stack.apiUrl}/readyz`), timeoutMs).then(() => true, () => false);

/**
 * Waits until the current worker polls the task queue (its identity `<pid>@<host>` is among
 * the pollers Temporal reports); answers the wait in ms, or null on timeout.
 */
export async function waitWorkerPolling(c: CrashStack, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  const identity = `${c.stack.worker?.pid}@${os.hostname()}`;
  for (; Date.now() - t0 < timeoutMs; await sleep(250)) {
    if (c.stack.worker?.gone() ?? true) return null;
    try {
      const r = await c.connection.workflowService.describeTaskQueue({
        namespace: 'default',
        // TASK_QUEUE_KIND_NORMAL and TASK_QUEUE_TYPE_WORKFLOW (the proto enums are CommonJS-only).
        taskQueue: { name: c.stack.config.temporal.taskQueue, kind: 1 },
        taskQueueType: 1,
      });
      if ((r.pollers ?? []).some((p) => p.identity === identity)) return Date.now() - t0;
    } catch {
      // Temporal restarting
    }
  }
  return null;
}
