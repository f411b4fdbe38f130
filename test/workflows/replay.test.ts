// Histories of every branch recorded so far replay against the current workflow code: a change
// that would break running cases fails here, and must go through patched() (STYLE.md §8).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { bundlePath, historiesDir } from '../helpers.js';

describe('replay of kept histories', async () => {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();

  it('keeps at least one history of each workflow type', () => {
    expect(files.some((f) => f.startsWith('approvalCase-'))).toBe(true);
    expect(files.some((f) => f.startsWith('supervisionTask-'))).toBe(true);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = JSON.parse(await readFile(path.join(historiesDir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, file)).resolves.toBeUndefined();
  });
});
