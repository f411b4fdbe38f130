// The recorded history of every scenario (test/histories/<workflow>/<scenario>.json) replays
// against the current workflow code; an altered history must fail with a determinism error,
// so the suite can fail (the SDK's own test-replay.ts keeps the same control).
// Until the first tagged release the histories are re-recorded when the workflow shape changes
// (RECORD_HISTORIES=1 npm test -- test/workflows); from v1.0.0 on they are kept (docs/versioning.md).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { bundlePath, historiesDir, testDataConverter } from '../helpers.js';

type History = { events: Array<{ eventType?: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }> };

const workflows = ['approvalCase', 'complaintCase', 'departmentNotice', 'inspectionDraw', 'monthlyReport', 'monthlyReports', 'publishInspections', 'supervisionTask', 'verifyInspectionDraw'];
const load = async (file: string): Promise<History> => JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')) as History;
// The histories' payloads are encrypted with the tests' fixture key, as every payload is.
const replay = (history: unknown, id: string) => Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath }, dataConverter: testDataConverter() }, history, id);

describe('replay of recorded histories', async () => {
  const files = (await Promise.all(workflows.map(async (w) => (await readdir(path.join(historiesDir, w))).filter((f) => f.endsWith('.json')).map((f) => `${w}/${f}`)))).flat().sort();

  it('has a history of each workflow type, one file per scenario, and nothing else', async () => {
    for (const w of workflows) expect(files.some((f) => f.startsWith(`${w}/`))).toBe(true);
    expect((await readdir(historiesDir)).sort()).toEqual(workflows);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    await expect(replay(await load(file), file)).resolves.toBeUndefined();
  });

  it('an altered history fails replay with a determinism error (negative control)', async () => {
    const history = await load('supervisionTask/claimed-compliant.json');
    const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)!.activityTaskScheduledEventAttributes!;
    expect(scheduled.activityType.name).toBe('openTask');
    scheduled.activityType.name = 'openCase';
    await expect(replay(history, 'altered')).rejects.toThrow(DeterminismViolationError);
  });
});
