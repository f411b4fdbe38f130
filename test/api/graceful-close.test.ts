// The API's close on SIGTERM (api/server.ts closeOnSignal, close-with-grace): a clean close exits
// 0; a close that hangs is cut off after the grace period, logged, exit 1.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../runtime/config.js';

async function sigtermAfterReady(env: Record<string, string>): Promise<{ code: number | null; ms: number; lines: Array<{ level: number; msg: string }> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'test', 'api', 'graceful-close.fixture.ts')], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => out.includes('ready\n') && (clearInterval(poll), resolve()), 20);
    child.once('exit', (code) => (clearInterval(poll), reject(new Error(`fixture exited early (${code}): ${out}`))));
  });
  const t0 = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
  return { code, ms: Date.now() - t0, lines };
}

describe('closing the API on SIGTERM', () => {
  it('exits 0 once the close has finished', async () => {
    const r = await sigtermAfterReady({ GRACE_MS: '5000' });
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down: finishing in-flight requests', 'closed']));
  });

  it('exits 1 after the grace period when the close hangs, and says so', async () => {
    const r = await sigtermAfterReady({ GRACE_MS: '700', HANG_CLOSE: '1' });
    expect(r.code).toBe(1);
    expect(r.ms).toBeGreaterThanOrEqual(600);
    expect(r.ms).toBeLessThan(5000);
    const timeout = r.lines.find((l) => l.msg.includes('killed by timeout (700ms)'));
    expect(timeout?.level).toBe(50); // error
    expect(r.lines.some((l) => l.msg === 'closed')).toBe(false);
  });
});
