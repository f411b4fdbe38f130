// Start order: the worker and the API may come up before Temporal does (a machine restart, a
// cluster upgrade, the crash test's worker restarted while the dev server was down). They wait
// for it with backoff (runtime/temporal.ts connectPatiently, TEMPORAL_CONNECT_TIMEOUT_MS)
// instead of exiting. "Temporal" here is the shared test dev server behind a TCP relay that
// opens its port only a few seconds after the processes started.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { projectRoot } from '../../runtime/config.js';
import { connectPatiently, isUnreachable } from '../../runtime/temporal.js';
import { bundlePath, testConfig, uniqueId } from '../helpers.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('start-order-tq') });
const [temporalHost, temporalPort] = [config.temporal.address.split(':')[0]!, Number(config.temporal.address.split(':')[1])];
const children: ChildProcess[] = [];
const relays: net.Server[] = [];
const relayed = new Set<net.Socket>();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** A TCP relay to the real dev server on `port`, listening only after `afterMs`. */
function relayLater(port: number, afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      const server = net.createServer((down) => {
        const up = net.connect(temporalPort, temporalHost);
        for (const s of [up, down]) {
          relayed.add(s);
          s.once('close', () => relayed.delete(s));
        }
        down.pipe(up).pipe(down);
        up.on('error', () => down.destroy());
        down.on('error', () => up.destroy());
      });
      relays.push(server);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    }, afterMs);
  });
}

function start(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], {
    cwd: projectRoot,
    env: { ...process.env, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, WORKFLOW_BUNDLE_PATH: bundlePath, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  children.push(child);
  return { child, output: () => out };
}

async function until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
});

afterAll(async () => {
  for (const s of relayed) s.destroy();
  await Promise.all(relays.map((s) => new Promise((r) => s.close(r))));
});

describe('connectPatiently', () => {
  it('waits for a server that comes up later, for the worker connection and the client alike', async () => {
    const port = await freePort();
    const opened = relayLater(port, 1500);
    const retries: number[] = [];
    const t0 = Date.now();
    const [native, client] = await Promise.all([
      connectPatiently(() => NativeConnection.connect({ address: `127.0.0.1:${port}` }), { timeoutMs: 30_000, initialDelayMs: 100, onRetry: (n) => retries.push(n) }),
      connectPatiently(() => Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 500 }), { timeoutMs: 30_000, initialDelayMs: 100 }),
    ]);
    await opened;
    try {
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
      expect(retries.length, 'the worker connection was refused before the server came').toBeGreaterThan(0);
      expect(retries).toEqual(retries.map((_, i) => i + 1));
      // Both connections work: they reach the real server through the relay.
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBeTruthy();
      const ns = await native.workflowService.describeNamespace({ namespace: config.temporal.namespace });
      expect(ns.namespaceInfo?.name).toBe(config.temporal.namespace);
    } finally {
      await client.close();
      await native.close();
    }
  });

  it('gives up after its timeout with the reason, when nothing ever listens', async () => {
    const port = await freePort();
    const t0 = Date.now();
    let attempts = 0;
    await expect(
      connectPatiently(() => NativeConnection.connect({ address: `127.0.0.1:${port}` }), { timeoutMs: 1200, initialDelayMs: 100, onRetry: () => attempts++ }),
    ).rejects.toThrow(/Temporal not reachable after \d+ attempt\(s\) in 1 s: .*Connection refused/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(attempts).toBeGreaterThanOrEqual(3); // 100, 200, 400, ... ms apart
  });

  it('throws other errors at once: a bad address is configuration, not a server that is late', async () => {
    let attempts = 0;
    await expect(
      connectPatiently(() => NativeConnection.connect({ address: 'not an address' }), { timeoutMs: 30_000, onRetry: () => attempts++ }),
    ).rejects.toThrow(TypeError);
    expect(attempts).toBe(0);
    expect(isUnreachable(new TypeError('invalid'))).toBe(false);
    expect(isUnreachable(Object.assign(new Error('unauthenticated'), { code: 16 }))).toBe(false);
    expect(isUnreachable(Object.assign(new Error('unavailable'), { code: 14 }))).toBe(true);
    // The client's ServiceError carries the gRPC status as its cause.
    const wrapped = (code: number) => new Error('Failed to connect to Temporal server', { cause: Object.assign(new Error('status'), { code }) });
    expect(isUnreachable(wrapped(4))).toBe(true);
    expect(isUnreachable(wrapped(16))).toBe(false);
  });
});

describe('worker and API started before Temporal', () => {
  it('the worker waits, then polls its task queue', async () => {
    const port = await freePort();
    const w = start('runtime/worker.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    await until('the worker to report that Temporal is not reachable yet', () => w.output().includes('Temporal not reachable yet'));
    expect(w.child.exitCode).toBeNull();
    await relayLater(port, 0);
    await until('the worker to run', () => w.output().includes('worker running'));
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      await until('the worker to poll', async () => {
        const r = await connection.workflowService.describeTaskQueue({ namespace: config.temporal.namespace, taskQueue: { name: config.temporal.taskQueue }, taskQueueType: 1 });
        return (r.pollers ?? []).length > 0;
      });
    } finally {
      await connection.close();
    }
    expect(w.child.exitCode).toBeNull();
  });

  it('the API waits, then serves and is ready', async () => {
    const [port, apiPort] = [await freePort(), await freePort()];
    const a = start('api/server.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, PORT: String(apiPort) });
    await until('the API to report that Temporal is not reachable yet', () => a.output().includes('Temporal not reachable yet'));
    expect(a.child.exitCode).toBeNull();
    await relayLater(port, 0);
    await until('the API to be ready', async () => {
      try {
        return (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200;
      } catch {
        return false;
      }
    });
    expect(a.child.exitCode).toBeNull();
  });

  it('a process gives up after TEMPORAL_CONNECT_TIMEOUT_MS and exits non-zero, saying why', async () => {
    const port = await freePort();
    const w = start('runtime/worker.ts', { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_CONNECT_TIMEOUT_MS: '1000' });
    const code = await new Promise<number | null>((r) => w.child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(w.output()).toMatch(/Temporal not reachable after \d+ attempt\(s\) in 1 s/);
  });
});
