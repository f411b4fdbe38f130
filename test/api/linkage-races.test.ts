// Races on the linkage catalog: a transition applies only from the status its caller read, so a
// confirm and a dispute of one proposal cannot both stand; a unique key taken meanwhile is a 409
// naming the constraint, not a 500 with the values.
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrentChange } from '../../db/client.js';
import { approvalItems } from '../../db/schema/index.js';
import { changeLinkage, linkageById, proposeLinkage } from '../../db/queries/linkages.js';
import { problemFromDatabaseError } from '../../api/errors.js';
import { DEMO, closeDatabase, database, uniqueId } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

const actor = { sub: 'approval:clerk', role: 'approval', department: DEMO.approvalDepartment };

async function freshItem(): Promise<string> {
  const code = uniqueId('RACE-ITEM');
  await database().db.insert(approvalItems).values({ code, name: '竞态测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: '320700', statutoryDays: 10 });
  return code;
}

describe('linkage transitions', () => {
  it('a second transition from the same read loses: ConcurrentChange, answered 409', async () => {
    const { db } = database();
    const proposed = await proposeLinkage(db, await freshItem(), DEMO.market, actor);
    // Both callers read the proposal; the confirmation lands first.
    await changeLinkage(db, proposed, { set: { status: 'confirmed', supervisionItemCode: null, divisionCode: DEMO.marketFoodDivision, confirmedBy: 'supervision:food' }, action: 'confirm', actor });
    const lost = await changeLinkage(db, proposed, { set: { status: 'disputed', disputeReason: '不属于本部门', disputedBy: 'approval:clerk' }, action: 'dispute', actor }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ConcurrentChange);
    expect(problemFromDatabaseError(lost)?.status).toBe(409);
    expect((await linkageById(db, proposed.id))!.status).toBe('confirmed');
  });

  it('the same linkage proposed twice at once: the second is a 409 naming the key, without its values', async () => {
    const { db } = database();
    const item = await freshItem();
    const answers = await Promise.allSettled([proposeLinkage(db, item, DEMO.health, actor), proposeLinkage(db, item, DEMO.health, actor)]);
    const failed = answers.filter((a) => a.status === 'rejected');
    expect(failed).toHaveLength(1);
    const p = problemFromDatabaseError((failed[0] as PromiseRejectedResult).reason);
    expect(p?.status).toBe(409);
    expect(p?.message).toContain('linkages_item_department_uq');
    expect(p?.message).not.toContain(item);
  });
});
