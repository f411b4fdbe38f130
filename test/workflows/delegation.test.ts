// 委派 in the workflow (docs/delegation.md), on the time-skipping server: a delegated task keeps
// its named officers across a rectification round's continue-as-new, and in the new run too
// only they and the division admin act; the validator refuses an ordinary officer's delegation
// and a re-delegation without its reason.
import { describe, expect, it } from 'vitest';
import { FailureType, claimUpdate, delegationUpdate, feedbackUpdate, inspectionUpdate, reinspectionUpdate, taskStateQuery } from '../../workflows/contracts.js';
import { approveNewCase, foodDivision, foodDivisionAdmin, inspectionOpened, refusalType, uniqueId, useFileWorker, useTimeSkippingEnv, waitFor } from '../helpers.js';

const env = useTimeSkippingEnv();
const taskQueue = uniqueId('tq');
useFileWorker(env, taskQueue);

const named = ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF03'];
const officer = (sub: string) => ({ ...foodDivision, sub });
const refused = (p: Promise<unknown>) => p.then(() => 'accepted', refusalType);

describe('a delegated task in the workflow', () => {
  it('keeps its officers into the next rectification round, where only they and the admin act', async () => {
    const { task, taskId } = await approveNewCase(env, taskQueue, { itemCode: 'SP-FOOD-01' });
    const delegate = (actor: typeof foodDivision, inspectors: string[], reason?: string) => task.executeUpdate(delegationUpdate, { args: [{ actor, inspectors, ...(reason && { reason }) }] });
    expect(await refused(delegate(foodDivision, named))).toBe(FailureType.Forbidden);
    expect(await delegate(foodDivisionAdmin, named)).toMatchObject({ status: 'awaiting-claim', delegatedTo: named });
    expect(await refused(delegate(foodDivisionAdmin, ['LYG-SJJ-ZF01', 'LYG-SJJ-ZF02']))).toBe(FailureType.Invalid); // no reason

    expect(await refused(task.executeUpdate(claimUpdate, { args: [{ actor: foodDivision }] }))).toBe(FailureType.Forbidden);
    await task.executeUpdate(claimUpdate, { args: [{ actor: officer(named[0]!) }] });
    await inspectionOpened(task, taskId);
    const now = () => env.currentTimeMs().then((ms) => new Date(ms).toISOString());
    await task.executeUpdate(inspectionUpdate, { args: [{ actor: officer(named[1]!), finishedAt: await now(), findings: '现场检查' }] });
    const ordered = await task.executeUpdate(feedbackUpdate, { args: [{ actor: officer(named[0]!), result: 'rectification', note: '限期整改', rectificationDeadline: new Date(Date.parse(await now()) + 2 * 86_400_000).toISOString() }] });
    await env.sleep(Date.parse(ordered.rectificationDueAt!) - (await env.currentTimeMs()) + 60_000);
    await waitFor(async () => (await task.query(taskStateQuery)).status === 'awaiting-reinspection');

    // Another round: a fresh run, carrying the delegation.
    const firstRunId = (await task.describe()).runId;
    await task.executeUpdate(reinspectionUpdate, { args: [{ actor: officer(named[1]!), rectified: false, note: '部分整改', rectificationDeadline: new Date(Date.parse(await now()) + 3 * 86_400_000).toISOString() }] });
    await waitFor(async () => (await task.describe()).runId !== firstRunId);
    expect(await task.query(taskStateQuery)).toMatchObject({ round: 2, delegatedTo: named });
    expect(await refused(task.executeUpdate(reinspectionUpdate, { args: [{ actor: foodDivision, rectified: true, note: '已整改' }] }))).toBe(FailureType.Forbidden);
    expect(await task.executeUpdate(reinspectionUpdate, { args: [{ actor: foodDivisionAdmin, rectified: true, note: '已整改到位' }] })).toMatchObject({ status: 'closed', outcome: 'rectified' });
    expect(await refused(delegate(foodDivisionAdmin, ['LYG-SJJ-ZF02', 'LYG-SJJ-ZF03'], '改派'))).toBe(FailureType.InvalidState); // closed
  });
});
