// Credit-platform records and e-licence verification against the real PostgreSQL: each credit
// record is filed exactly once in effect (a retry, a crash between the platform's acceptance and
// ours, a failing platform), and materials are verified against the embedded e-licence data.
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, creditPlatformRecords, creditProfiles, creditRecords, elicenceRecords } from '../../db/schema/index.js';
import { createEffectActivities } from '../../activities/effects.js';
import { countPlatformRecords, createEmbeddedCreditPlatform, type CreditPlatform } from '../../activities/adapters/credit-platform.js';
import { createEmbeddedElicence } from '../../activities/adapters/elicence.js';
import { closeDatabase, database, freshCreditCode, uniqueId } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

const at = new Date('2026-02-01T02:00:00Z'); // 2026-02-01 10:00 Asia/Shanghai

function activities(overrides: { creditPlatform?: CreditPlatform; clock?: () => Date } = {}) {
  const db = database().db;
  return createEffectActivities({
    db,
    creditPlatform: overrides.creditPlatform ?? createEmbeddedCreditPlatform(db),
    elicence: createEmbeddedElicence(db),
    clock: overrides.clock ?? (() => new Date()),
  });
}

async function profileOf(creditCode: string) {
  const [row] = await database().db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, creditCode));
  return row;
}

async function recordsFor(businessKey: string) {
  return database().db.select().from(creditRecords).where(eq(creditRecords.businessKey, businessKey));
}

async function auditFor(eventKey: string) {
  return database().db.select().from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
}

function brokenCommitment(overrides: Partial<Parameters<ReturnType<typeof activities>['pushCreditRecord']>[0]> = {}) {
  const applicationNo = uniqueId('T2026');
  return {
    businessKey: `${applicationNo}:credit:broken-commitment`,
    creditCode: freshCreditCode(),
    kind: 'broken-commitment' as const,
    applicationNo,
    taskId: `task-${applicationNo}.MKT`,
    summary: '承诺不实，逾期未整改',
    detail: { round: 1 },
    ...overrides,
  };
}

describe('pushCreditRecord', () => {
  it('pushed twice with the same key files one record, at our side and the platform, and counts the broken commitment once', async () => {
    const acts = activities();
    const input = brokenCommitment();
    const first = await acts.pushCreditRecord(input);
    const second = await acts.pushCreditRecord(input);
    expect(first).toEqual({ businessKey: input.businessKey, status: 'accepted', providerRecordId: `embedded-credit-${input.businessKey}` });
    expect(second).toEqual(first);

    const rows = await recordsFor(input.businessKey);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'accepted', creditCode: input.creditCode, kind: 'broken-commitment', taskId: input.taskId, error: null });
    expect(rows[0]!.acceptedAt).toBeInstanceOf(Date);
    expect(await countPlatformRecords(database().db, input.businessKey)).toBe(1);
    const [platform] = await database().db.select().from(creditPlatformRecords).where(eq(creditPlatformRecords.businessKey, input.businessKey));
    expect(platform).toMatchObject({ creditCode: input.creditCode, kind: 'broken-commitment', payload: { summary: input.summary, detail: { round: 1 } } });

    // No profile before: the platform's default (grade B) with one broken commitment.
    expect(await profileOf(input.creditCode)).toMatchObject({ grade: 'B', brokenCommitments: 1, blacklisted: true });

    const audit = await auditFor(`${input.businessKey}:pushed`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      kind: 'credit-record',
      applicationNo: input.applicationNo,
      taskId: input.taskId,
      actor: { sub: 'system', role: 'system' },
      summary: `credit record (broken-commitment) pushed to the credit platform: ${input.summary}`,
    });
  });

  it('an untrue commitment weighs at least as much as deferred materials not handed in: each counts once and blacklists', async () => {
    const acts = activities();
    const [untrue, late] = [freshCreditCode(), freshCreditCode()];
    await database().db.insert(creditProfiles).values({ creditCode: untrue, grade: 'A', brokenCommitments: 2 });
    await acts.pushCreditRecord(brokenCommitment({ creditCode: untrue }));
    expect(await profileOf(untrue)).toMatchObject({ grade: 'A', brokenCommitments: 3, blacklisted: true });

    const applicationNo = uniqueId('T2026');
    const dishonesty = { businessKey: `${applicationNo}:credit:dishonesty`, creditCode: late, kind: 'dishonesty' as const, applicationNo, summary: '材料逾期未补正，撤销许可' };
    await acts.pushCreditRecord(dishonesty);
    await acts.pushCreditRecord(dishonesty);
    expect(await profileOf(late)).toMatchObject({ brokenCommitments: 1, blacklisted: true });
    const creditCode = late;

    // Kinds that say nothing against the applicant leave the profile as it is.
    const revocation = { businessKey: `${applicationNo}:credit:revocation`, creditCode, kind: 'revocation' as const, applicationNo, summary: '许可已撤销' };
    await acts.pushCreditRecord(revocation);
    expect(await profileOf(creditCode)).toMatchObject({ brokenCommitments: 1, blacklisted: true });
  });

  it('after a crash between the platform accepting and our row turning accepted, the retry files nothing twice', async () => {
    const db = database().db;
    const platform = createEmbeddedCreditPlatform(db);
    const input = brokenCommitment();
    // The first attempt: our row pending, the platform accepted, then the worker died.
    await db.insert(creditRecords).values({ ...input, status: 'pending' });
    const firstReceipt = await platform.push({ businessKey: input.businessKey, creditCode: input.creditCode, kind: input.kind, summary: input.summary, detail: input.detail });
    expect(firstReceipt.duplicate).toBe(false);
    expect(await profileOf(input.creditCode)).toMatchObject({ brokenCommitments: 1 });

    // The retry: the platform answers duplicate, our row is completed, nothing counts twice.
    const seen: boolean[] = [];
    const spying: CreditPlatform = {
      async push(record) {
        const receipt = await platform.push(record);
        seen.push(receipt.duplicate);
        return receipt;
      },
    };
    const result = await activities({ creditPlatform: spying }).pushCreditRecord(input);
    expect(seen).toEqual([true]);
    expect(result).toEqual({ businessKey: input.businessKey, status: 'accepted', providerRecordId: firstReceipt.providerRecordId });
    expect(await countPlatformRecords(db, input.businessKey)).toBe(1);
    expect(await profileOf(input.creditCode)).toMatchObject({ brokenCommitments: 1 });
    const [row] = await recordsFor(input.businessKey);
    expect(row).toMatchObject({ status: 'accepted', providerRecordId: firstReceipt.providerRecordId });
    const audit = await auditFor(`${input.businessKey}:pushed`);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ duplicate: true });
  });

  it('a failing platform leaves the row pending with the error; the retry succeeds', async () => {
    const input = brokenCommitment();
    const failing: CreditPlatform = {
      push: () => Promise.reject(new Error('credit platform unavailable (503)')),
    };
    await expect(activities({ creditPlatform: failing }).pushCreditRecord(input)).rejects.toThrow('credit platform unavailable (503)');
    const [pending] = await recordsFor(input.businessKey);
    expect(pending).toMatchObject({ status: 'pending', providerRecordId: null, acceptedAt: null, error: 'credit platform unavailable (503)' });
    expect(await countPlatformRecords(database().db, input.businessKey)).toBe(0);
    expect(await auditFor(`${input.businessKey}:pushed`)).toHaveLength(0);
    expect(await profileOf(input.creditCode)).toBeUndefined();

    const result = await activities().pushCreditRecord(input);
    expect(result.status).toBe('accepted');
    const rows = await recordsFor(input.businessKey);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'accepted', error: null });
    expect(await countPlatformRecords(database().db, input.businessKey)).toBe(1);
    expect(await profileOf(input.creditCode)).toMatchObject({ brokenCommitments: 1 });
    expect(await auditFor(`${input.businessKey}:pushed`)).toHaveLength(1);
  });

  it('refuses a business key already used for another applicant, without calling the platform', async () => {
    const input = brokenCommitment();
    await activities().pushCreditRecord(input);
    let called = false;
    const platform: CreditPlatform = {
      push: () => {
        called = true;
        return Promise.resolve({ providerRecordId: 'x', duplicate: false });
      },
    };
    await expect(activities({ creditPlatform: platform }).pushCreditRecord({ ...input, creditCode: freshCreditCode() })).rejects.toThrow(/already exists for/);
    expect(called).toBe(false);
  });
});

describe('verifyMaterials', () => {
  async function seedLicences(creditCode: string) {
    await database()
      .db.insert(elicenceRecords)
      .values([
        { creditCode, material: '营业执照', licenceNo: 'YYZZ-001', validUntil: null },
        { creditCode, material: '卫生检测报告', licenceNo: 'WSJC-001', validUntil: '2026-01-31' },
        { creditCode, material: '健康证明', licenceNo: 'JKZM-001', validUntil: '2027-01-31', revoked: true },
        // Valid to the last day, inclusive.
        { creditCode, material: '消防验收意见', licenceNo: 'XFYS-001', validUntil: '2026-02-01' },
      ]);
  }

  it('reports each material ok or failed with the reason, and puts the answer on the trail', async () => {
    const creditCode = freshCreditCode();
    await seedLicences(creditCode);
    const applicationNo = uniqueId('T2026');
    const acts = activities({ clock: () => at });
    const answer = await acts.verifyMaterials({ applicationNo, creditCode, materials: ['营业执照', '消防验收意见', '卫生检测报告', '健康证明', '食品安全管理制度'] });
    expect(answer.allOk).toBe(false);
    expect(answer.results).toEqual([
      { material: '营业执照', ok: true, licenceNo: 'YYZZ-001' },
      { material: '消防验收意见', ok: true, licenceNo: 'XFYS-001' },
      { material: '卫生检测报告', ok: false, reason: 'e-licence WSJC-001 expired 2026-01-31', licenceNo: 'WSJC-001' },
      { material: '健康证明', ok: false, reason: 'e-licence JKZM-001 revoked', licenceNo: 'JKZM-001' },
      { material: '食品安全管理制度', ok: false, reason: 'no e-licence for 食品安全管理制度' },
    ]);
    const audit = await auditFor(`${applicationNo}:materials-verified`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ kind: 'materials-verified', applicationNo, actor: { sub: 'system', role: 'system' }, at });
    expect(audit[0]!.summary).toContain('营业执照 ok (YYZZ-001)');
    expect(audit[0]!.summary).toContain('卫生检测报告 failed (e-licence WSJC-001 expired 2026-01-31)');
    expect(audit[0]!.summary).toContain('健康证明 failed (e-licence JKZM-001 revoked)');
    expect(audit[0]!.summary).toContain('食品安全管理制度 failed (no e-licence for 食品安全管理制度)');
  });

  it('all ok when every material has a valid e-licence; a renewed licence covers an expired one', async () => {
    const creditCode = freshCreditCode();
    await seedLicences(creditCode);
    await database().db.insert(elicenceRecords).values({ creditCode, material: '卫生检测报告', licenceNo: 'WSJC-002', validUntil: '2027-01-31' });
    const answer = await activities({ clock: () => at }).verifyMaterials({ applicationNo: uniqueId('T2026'), creditCode, materials: ['营业执照', '卫生检测报告'] });
    expect(answer).toEqual({
      allOk: true,
      results: [
        { material: '营业执照', ok: true, licenceNo: 'YYZZ-001' },
        { material: '卫生检测报告', ok: true, licenceNo: 'WSJC-002' },
      ],
    });
  });

  it('the day after the last valid day (Asia/Shanghai) the licence has expired', async () => {
    const creditCode = freshCreditCode();
    await seedLicences(creditCode);
    // 2026-02-01 16:00Z is 2026-02-02 00:00 in Shanghai.
    const answer = await activities({ clock: () => new Date('2026-02-01T16:00:00Z') }).verifyMaterials({ applicationNo: uniqueId('T2026'), creditCode, materials: ['消防验收意见'] });
    expect(answer.results).toEqual([{ material: '消防验收意见', ok: false, reason: 'e-licence XFYS-001 expired 2026-02-01', licenceNo: 'XFYS-001' }]);
  });

  it('a retry returns the answer on the trail, even if the e-licences changed meanwhile', async () => {
    const creditCode = freshCreditCode();
    await seedLicences(creditCode);
    const applicationNo = uniqueId('T2026');
    const acts = activities({ clock: () => at });
    const first = await acts.verifyMaterials({ applicationNo, creditCode, materials: ['营业执照'] });
    expect(first.allOk).toBe(true);
    await database().db.update(elicenceRecords).set({ revoked: true }).where(eq(elicenceRecords.creditCode, creditCode));
    const retry = await acts.verifyMaterials({ applicationNo, creditCode, materials: ['营业执照'] });
    expect(retry).toEqual(first);
    expect(await auditFor(`${applicationNo}:materials-verified`)).toHaveLength(1);
  });
});
