// Keeps bench:retime and bench:growth from rotting: each quick size runs and prints its figures.
// The figures themselves are read by people (docs/benchmarks.md), never asserted on here.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';

const run = async (script: string) => (await promisify(execFile)(process.execPath, ['--import', 'tsx', script, '--quick'], { cwd: projectRoot, env: { ...process.env, LOG_LEVEL: 'silent' }, maxBuffer: 16 * 2 ** 20 })).stdout;

describe('bench:retime --quick', () => {
  it('re-times 400 waiting cases through calendarRetime and prints the time against signalling the same workflows', async () => {
    const stdout = await run('scripts/bench/retime.ts');
    expect(stdout).toMatch(/400 waiting cases/);
    expect(stdout).toMatch(/bare: 400 signals, 20 in flight\s+[\d.]+ s/);
    // The script checks every case got its trail step and its signal before it prints this.
    expect(stdout).toMatch(/ours: calendarRetime to its result\s+[\d.]+ s .*400 re-timed with a trail step each, 400 signalled/);
    expect(stdout).toMatch(/ratio ours\/bare: [\d.]+/);
  }, 300_000);
});

describe('bench:growth --quick', () => {
  it('grows the open tasks in two steps and prints the table of claim p99, RSS, bytes and events per task', async () => {
    const stdout = await run('scripts/bench/growth.ts');
    const rows = stdout.split('\n').filter((l) => /^\| [\d,]+ \| \d+ \/ /.test(l));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| 100', '| 300']);
    for (const r of rows) expect(r.match(/\(\d+\.\d\d\)/g)).toHaveLength(5);
  }, 300_000);
});
