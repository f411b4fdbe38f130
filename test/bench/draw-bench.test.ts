// Keeps bench:draw from rotting: its quick size runs and prints the draw against reading the
// population alone (figures are read by people, docs/random-inspections.md, never asserted).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';

describe('bench:draw --quick', () => {
  it('loads a directory into its own PostgreSQL, draws, and prints the ratio against reading the population', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/bench/draw.ts', '--quick'], { cwd: projectRoot, env: { ...process.env, LOG_LEVEL: 'silent' } });
    expect(stdout).toMatch(/20,000 entities loaded/);
    expect(stdout).toMatch(/population read alone \(baseline\)\s+[\d.]+ s\s+\(20,000 rows\)/);
    expect(stdout).toMatch(/ratio draw \(snapshot \+ draw\) \/ read alone: [\d.]+/);
    expect(stdout).toMatch(/verify .*\(verified\)/);
  }, 180_000);
});
