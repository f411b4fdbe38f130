// Keeps the Temporal benchmarks from rotting: each script's quick size brings up its own
// throwaway stack, runs, and prints its figures side by side with its baseline. The figures
// are read by people (docs/benchmarks.md), never asserted on here. The time limit only says
// "alive": each brings up a stack of its own, which takes minutes on a loaded 2-core machine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';

const run = async (script: string, ...args: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `scripts/bench/${script}`, '--quick', ...args], {
    cwd: projectRoot,
    env: { ...process.env, LOG_LEVEL: 'silent' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
};
const num = String.raw`[\d.]+`;

describe('bench:loop --quick', () => {
  it('runs cases through the API and the bare workflows, and prints throughput, latency and round trips for both', async () => {
    const out = await run('loop.ts');
    expect(out).toMatch(/engine dev \(temporal server start-dev, SQLite\): 30 cases of TR-FOOD-01/);
    for (const who of ['ours', 'bare']) {
      expect(out).toMatch(new RegExp(`^${who} .*${num} cases/s\\s+p50\\s+${num} ms\\s+p99\\s+${num} ms\\s+round trips/case ${num}`, 'm'));
    }
    expect(out).toMatch(new RegExp(`ratio ours/bare: cases/s ${num}\\s+p50 ${num}\\s+p99 ${num}\\s+round trips ${num}`));
  }, 300_000);
});

describe('bench:loop --quick --engine cluster', () => {
  // Its own stack with the real server (the binaries npm test's stack has built), both sides on
  // it, each on emptied Temporal databases; 10 cases keep it near half a minute.
  it('runs both sides on the real server on PostgreSQL and says so', async () => {
    const out = await run('loop.ts', '--engine', 'cluster', '--cases', '10', '--concurrency', '10');
    expect(out).toMatch(/Temporal server restarted on empty databases/);
    expect(out).toMatch(/engine cluster \(Temporal server v[\d.]+, PostgreSQL persistence, 4 history shards\): 10 cases of TR-FOOD-01/);
    for (const who of ['ours', 'bare']) expect(out).toMatch(new RegExp(`^${who} .*${num} cases/s\\s+p50\\s+${num} ms`, 'm'));
    expect(out).toMatch(new RegExp(`ratio ours/bare: cases/s ${num}`));
  }, 300_000);
});

describe('bench:burst --quick', () => {
  it('fires claim deadlines at one instant and bare timers, and prints time, lag, RSS and CPU for both', async () => {
    const out = await run('burst.ts');
    expect(out).toMatch(/engine dev .*: 300 claim deadlines at one instant/);
    for (const who of ['ours', 'bare']) {
      expect(out).toMatch(new RegExp(`^${who}: .*all recorded\\s+-?${num} s after the instant\\s+lag p50\\s+-?${num} ms\\s+p99\\s+-?${num} ms\\s+max\\s+-?${num} ms\\s+RSS ${num} → peak ${num} MiB\\s+CPU ${num} s`, 'm'));
    }
    expect(out).toMatch(/ratio ours\/bare: time to all recorded/);
  }, 300_000);
});

describe('bench:api --quick', () => {
  it('drives the inbox, claim, inspection and feedback over HTTP at fixed concurrency and prints each against its baseline', async () => {
    const out = await run('api-load.ts');
    expect(out).toMatch(/engine dev .*: 200 open tasks, concurrency 20/);
    for (const route of ['GET /v1/tasks', 'POST /v1/tasks/:id/claim', 'POST /v1/tasks/:id/inspection', 'POST /v1/tasks/:id/feedback']) {
      expect(out).toMatch(new RegExp(`^${route.replace(/[/:()]/g, '\\$&')}.*${num} req/s\\s+p50\\s+${num} ms\\s+p99\\s+${num} ms`, 'm'));
    }
    expect(out.match(/^ {2}baseline: .*req\/s\s+p50\s+[\d.]+ ms/gm)).toHaveLength(4);
    expect(out).toMatch(/ratio API\/baseline p50: inbox [\d.]+/);
  }, 300_000);
});
