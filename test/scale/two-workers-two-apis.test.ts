// Scale-out: two worker processes and two API processes on one task queue, as in production.
// Cases are driven through both APIs and complete; Temporal spreads the work over both workers
// (their identities appear in the histories).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { signDevToken } from '../../api/auth.js';
import { projectRoot } from '../../runtime/config.js';
import { applicationNoOf, approver, bundlePath, foodDivision, freshCreditCode, testConfig, uniqueId, DEMO, testClient } from '../helpers.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('scale-tq') });
const children: ChildProcess[] = [];
const ports: number[] = [];
let connection: Connection;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

function start(entry: string, env: Record<string, string>, name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, entry)], {
    cwd: projectRoot,
    env: { ...process.env, ...env, TEMPORAL_TASK_QUEUE: config.temporal.taskQueue, WORKFLOW_BUNDLE_PATH: bundlePath, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

async function healthy(port: number) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`api on ${port} did not come up`);
}

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  start('runtime/worker.ts', {}, 'worker-1');
  start('runtime/worker.ts', {}, 'worker-2');
  for (const n of [1, 2]) {
    const port = await freePort();
    ports.push(port);
    start('api/server.ts', { PORT: String(port) }, `api-${n}`);
  }
  await Promise.all(ports.map(healthy));
  // Both workers polling, for workflow and activity tasks, before any case starts: a worker
  // that is still loading would otherwise see none of the work and fail the test by timing.
  for (const taskQueueType of [1, 2]) {
    for (let i = 0; ; i++) {
      const r = await connection.workflowService.describeTaskQueue({ namespace: config.temporal.namespace, taskQueue: { name: config.temporal.taskQueue }, taskQueueType });
      if (new Set((r.pollers ?? []).map((p) => p.identity)).size >= 2) break;
      if (i > 600) throw new Error(`two workers are not polling task queue type ${taskQueueType}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  await connection?.close();
});

describe('two workers and two API instances on one task queue', () => {
  it('complete cases across them', async () => {
    const approvalToken = await signDevToken(config, approver);
    const divisionToken = await signDevToken(config, foodDivision);
    const call = async (port: number, method: string, url: string, token: string, body?: unknown) => {
      for (let attempt = 0; ; attempt++) {
        const r = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
        if (r.status !== 404 || attempt > 100) return { status: r.status, json: (await r.json()) as Record<string, unknown> };
        await new Promise((res) => setTimeout(res, 100)); // the task row is not there yet
      }
    };
    // A wrong status names the answer (the problem's detail), so a failure says which step and why.
    const expectStatus = (r: { status: number; json: Record<string, unknown> }, status: number) => expect(r.status, JSON.stringify(r.json)).toBe(status);
    const runCase = async (i: number) => {
      const [a, b] = i % 2 ? [ports[0]!, ports[1]!] : [ports[1]!, ports[0]!];
      const no = applicationNoOf('SCALE');
      expectStatus(await call(a, 'POST', '/v1/applications', approvalToken, { applicationNo: no, itemCode: 'SP-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '扩容测试', phone: '13700000041' } }), 201);
      expectStatus(await call(b, 'POST', `/v1/applications/${no}/decision`, approvalToken, { outcome: 'approve', opinion: '准予许可' }), 200);
      const task = `task-${no}.${DEMO.market}`;
      expectStatus(await call(a, 'POST', `/v1/tasks/${task}/claim`, divisionToken), 200);
      expectStatus(await call(b, 'POST', `/v1/tasks/${task}/inspection`, divisionToken, { finishedAt: new Date().toISOString(), findings: '符合' }), 200);
      expectStatus(await call(a, 'POST', `/v1/tasks/${task}/feedback`, divisionToken, { result: 'compliant' }), 200);
      for (let t = 0; t < 200; t++) {
        if ((await call(b, 'GET', `/v1/applications/${no}`, approvalToken)).json.stage === 'closed') return no;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`case ${no} did not close`);
    };
    const done = await Promise.all(Array.from({ length: 10 }, (_, i) => runCase(i)));
    expect(done).toHaveLength(10);

    // Which worker ran which activity is in the histories: both took part.
    const client = testClient(connection);
    const identities = new Set<string>();
    for (const no of done) {
      const history = await client.workflow.getHandle(`case-${no}`).fetchHistory();
      for (const e of history.events ?? []) {
        const id = e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskStartedEventAttributes?.identity;
        if (id) identities.add(id);
      }
    }
    expect(identities.size).toBeGreaterThanOrEqual(2);
  }, 180_000);
});
