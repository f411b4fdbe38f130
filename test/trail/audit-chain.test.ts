// The tamper-evident trail: every audit event of a case carries the hash of the case's previous
// event (db/migrations/0008_audit_chain.sql). Writers that know nothing of the chain get it
// linked; concurrent writers of one case still form one chain; an edited, deleted or inserted
// row is caught at the first broken link.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { auditEvents } from '../../db/schema/index.js';
import { recordStep } from '../../activities/steps.js';
import { brokenTrails, checkTrail } from '../../db/queries/trail.js';
import { closeDatabase, database, uniqueId } from '../helpers.js';

afterAll(async () => {
  await closeDatabase();
});

const actor = { sub: 'approval:clerk', role: 'approval' as const, department: 'LYG-SPJ' };

async function caseWithSteps(n: number): Promise<string> {
  const applicationNo = uniqueId('TRAIL');
  for (let i = 0; i < n; i++) {
    await recordStep(database().db, { key: `${applicationNo}:step-${i}`, applicationNo, kind: 'note', summary: `step ${i}：材料齐全`, actor, detail: { i } }, new Date());
  }
  return applicationNo;
}

const firstBreak = async (applicationNo: string) => {
  const rows = await database().db.execute<{ id: string | null }>(sql`select audit_chain_break(${applicationNo}) as id`);
  return rows[0]!.id === null ? null : Number(rows[0]!.id);
};
const eventsOf = (applicationNo: string) => database().db.select().from(auditEvents).where(eq(auditEvents.applicationNo, applicationNo)).orderBy(asc(auditEvents.id));

describe('the audit trail is a hash chain per case', () => {
  it('links each event to the one before; an untouched chain verifies', async () => {
    const no = await caseWithSteps(4);
    const events = await eventsOf(no);
    expect(events).toHaveLength(4);
    expect(events[0]!.prevHash).toBeNull();
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(new Set(events.map((e) => e.hash)).size).toBe(4);
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
    expect(await firstBreak(no)).toBeNull();
  });

  it('a repeated step (same business key) adds no link', async () => {
    const no = await caseWithSteps(2);
    await recordStep(database().db, { key: `${no}:step-1`, applicationNo: no, kind: 'note', summary: 'again', actor }, new Date());
    expect(await eventsOf(no)).toHaveLength(2);
    expect(await firstBreak(no)).toBeNull();
  });

  it('concurrent writers of one case still make one chain in id order', async () => {
    const no = uniqueId('TRAIL');
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordStep(database().db, { key: `${no}:c-${i}`, applicationNo: no, kind: 'note', summary: `c ${i}`, actor }, new Date())));
    expect(await eventsOf(no)).toHaveLength(20);
    expect(await firstBreak(no)).toBeNull();
  });

  it('an edited summary, a deleted event and an edited row re-hashed in SQL are each caught at the first broken link', async () => {
    const { db } = database();
    const edited = await caseWithSteps(4);
    const e1 = (await eventsOf(edited))[1]!;
    await db.execute(sql`update audit_events set summary = ${'step 1：材料不全'} where id = ${e1.id}`);
    expect(await firstBreak(edited)).toBe(e1.id);

    const deleted = await caseWithSteps(4);
    const [, d1, d2] = await eventsOf(deleted);
    await db.execute(sql`delete from audit_events where id = ${d1!.id}`);
    expect(await firstBreak(deleted)).toBe(d2!.id);

    // Re-hashing an edited row in SQL does not help: the next event's link still names the old hash.
    const rehashed = await caseWithSteps(3);
    const [, r1, r2] = await eventsOf(rehashed);
    await db.execute(sql`update audit_events set detail = '{"i": 99}'::jsonb where id = ${r1!.id}`);
    await db.execute(sql`update audit_events a set hash = audit_event_digest(a.prev_hash, a) where id = ${r1!.id}`);
    expect(await firstBreak(rehashed)).toBe(r2!.id);

    // The whole-table check (and `npm run verify-trail`) names each broken case, and only those.
    const intact = await caseWithSteps(2);
    expect(await checkTrail(db, intact)).toEqual({ applicationNo: intact, events: 2, firstBrokenId: null });
    const { broken } = await brokenTrails(db);
    expect(broken.map((b) => b.applicationNo)).toEqual(expect.arrayContaining([edited, deleted, rehashed]));
    expect(broken.map((b) => b.applicationNo)).not.toContain(intact);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-trail.ts'], { encoding: 'utf8', env: process.env });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`broken: case ${edited}, first broken event id ${e1.id}`);
  });
});
