// Keeps the benchmark script from rotting: its quick size runs and prints its figures. The
// figures themselves are read by people (docs/benchmarks.md), never asserted on here.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';

describe('bench:deadline --quick', () => {
  it('runs and prints per-call cost against the day-walk baseline for short and long periods', async () => {
    // --engine is accepted by every bench; this one runs no Temporal and says so.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bench/deadline.ts', '--quick', '--engine', 'cluster'], { cwd: projectRoot });
    expect(stdout).toMatch(/no Temporal engine \(--engine cluster accepted, changes nothing\)/);
    expect(stdout.match(/WorkingCalendar\.deadline\s+[\d.]+ µs\/call/g)).toHaveLength(2);
    expect(stdout.match(/baseline: day-by-day walk\s+[\d.]+ µs\/call/g)).toHaveLength(2);
    expect(stdout.match(/ratio ours\/baseline: [\d.]+/g)).toHaveLength(2);
  }, 120_000);
});

describe('bench:read-model --quick', () => {
  it('loads tasks into its own PostgreSQL and prints inbox and statistics figures against bare SQL', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bench/read-model.ts', '--quick'], { cwd: projectRoot, env: { ...process.env, LOG_LEVEL: 'silent' } });
    expect(stdout).toMatch(/50,000 tasks loaded/);
    expect(stdout).toMatch(/inbox \(API.*p50\s+[\d.]+ ms\s+p99\s+[\d.]+ ms/);
    expect(stdout).toMatch(/inbox \(bare SQL.*p50\s+[\d.]+ ms/);
    expect(stdout).toMatch(/a month's timeliness statistics \(API; [\d,]+ tasks\)\s+p50\s+[\d.]+ ms/);
    // The SQL's figures are checked against the Node computation before anything is timed.
    expect(stdout).toMatch(/ratio statistics API\/SQL alone p99: [\d.]+; API\/before \(rows into Node\) p99: [\d.]+ .*the figures equal Node's/);
  }, 180_000);
});
