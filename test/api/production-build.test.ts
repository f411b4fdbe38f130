// The production build (scripts/build.ts, docs/production.md): the compiled API, worker and
// migrate script run under plain node — no tsx — against the test stack, the worker on the
// bundle the build wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';
import { build } from '../../scripts/build.js';
import { findFreePort } from '../../scripts/stack/proc.js';

const out = path.join(process.env.TEST_RUN_DIR ?? path.join(projectRoot, '.data', 'test'), 'dist');
const running: ChildProcess[] = [];

/** `node <compiled entry>` with the test stack's environment and no loader of TypeScript. */
function node(entry: string, env: Record<string, string> = {}) {
  const { NODE_OPTIONS: _, ...rest } = process.env;
  const child = spawn(process.execPath, [path.join(out, entry)], { cwd: projectRoot, env: { ...rest, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, output: () => string, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
  }
  throw new Error(`${what}: not within ${ms} ms; output:\n${output()}`);
}

beforeAll(async () => {
  await build(out, true);
}, 240_000);
afterAll(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('the production build', () => {
  it('writes the compiled entries, the migrations, the failure converter and the workflow bundle', () => {
    for (const f of ['api/server.js', 'runtime/worker.js', 'scripts/migrate.js', 'db/migrations/meta/_journal.json', 'runtime/failure-converter.cjs', 'workflow-bundle.js']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
  });

  it('migrates with node dist/scripts/migrate.js', async () => {
    const m = node('scripts/migrate.js');
    expect(await m.exited, m.output()).toBe(0);
    expect(m.output()).toContain('migrations applied');
  });

  it('serves /healthz and /readyz from node dist/api/server.js, and closes on SIGTERM', async () => {
    const port = await findFreePort();
    const api = node('api/server.js', { PORT: String(port), HOST: '127.0.0.1' });
    const health = await until('healthz', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      return r.ok ? r : undefined;
    }, api.output);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready', postgres: true, temporal: true });
    api.child.kill('SIGTERM');
    expect(await api.exited, api.output()).toBe(0);
  });

  it('exports its spans over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (runtime/tracing.ts)', async () => {
    // A collector on loopback: what an OpenTelemetry collector would receive.
    const received: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (b: Buffer) => (body += b.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    try {
      const port = await findFreePort();
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const api = node('api/server.js', { PORT: String(port), HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      await until('healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), api.output);
      expect((await fetch(`http://127.0.0.1:${port}/v1/tasks`)).status).toBe(401);
      api.child.kill('SIGTERM'); // the close flushes the batch
      expect(await api.exited, api.output()).toBe(0);
      const traces = received.filter((r) => r.startsWith('POST /v1/traces '));
      expect(traces.length, received.join('\n')).toBeGreaterThan(0);
      expect(traces.join('\n')).toContain('shenguan-api');
      expect(traces.join('\n')).toContain('/v1/tasks');
    } finally {
      collector.close();
    }
  });

  it('runs node dist/runtime/worker.js on the built bundle, and stops on SIGTERM', async () => {
    const worker = node('runtime/worker.js', { TEMPORAL_TASK_QUEUE: `prod-build-${process.pid}` });
    await until('worker running', async () => (worker.output().includes('"msg":"worker running"') ? true : undefined), worker.output, 60_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
  }, 90_000);
});
