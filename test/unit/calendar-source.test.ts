// The working-day calendar activities compute deadlines with: cached per process, reloaded when
// a new import lands. An activity that reads the version with a statement of its own (the
// item's terms, the task row) passes it in and spares the version lookup; the cache must still
// follow every import.
import { afterAll, describe, expect, it } from 'vitest';
import { desc } from 'drizzle-orm';
import { databaseCalendar } from '../../activities/calendar.js';
import { createDatabase } from '../../db/client.js';
import { itemTerms } from '../../db/policies.js';
import { calendarImports } from '../../db/schema/index.js';
const FOOD_ITEM = 'SP-FOOD-01'; // the demo catalog's food business licence

let statements = 0;
const counted = createDatabase(process.env.DATABASE_URL!, { max: 2, onQuery: () => statements++ });
afterAll(() => counted.close());

/** Statements `run` sent to PostgreSQL. */
async function statementsOf(run: () => Promise<unknown>): Promise<number> {
  const before = statements;
  await run();
  return statements - before;
}

const latestImport = async () => (await counted.db.select({ id: calendarImports.id }).from(calendarImports).orderBy(desc(calendarImports.id)).limit(1))[0]?.id ?? 0;

describe('the calendar source', () => {
  it("reads the version with the item's terms, and a known version costs no lookup", async () => {
    const calendar = databaseCalendar(counted.db);
    const terms = await itemTerms(counted.db, FOOD_ITEM);
    expect(terms.calendarVersion).toBe(await latestImport());
    expect(terms.policy.code).toBeTruthy();

    expect(await statementsOf(() => calendar.current(terms.regionCode, terms.calendarVersion))).toBeGreaterThan(0); // first use loads
    expect(await statementsOf(() => calendar.current(terms.regionCode, terms.calendarVersion))).toBe(0);
    expect(await statementsOf(() => calendar.current(terms.regionCode))).toBe(1); // the version lookup alone
  });

  it('reloads when a statement saw a newer import than the cached one', async () => {
    const calendar = databaseCalendar(counted.db);
    const before = await latestImport();
    await calendar.current(null, before);
    // A new import (of an unchanged year: no date moves, nothing to re-time).
    const [imp] = await counted.db
      .insert(calendarImports)
      .values({ year: 2025, sourceNotice: 'calendar-source test', changedDates: [], newlyPublished: false, importedBy: 'test', retimedAt: new Date() })
      .returning({ id: calendarImports.id });
    const terms = await itemTerms(counted.db, FOOD_ITEM);
    expect(terms.calendarVersion).toBeGreaterThanOrEqual(imp!.id);
    expect(await statementsOf(() => calendar.current(terms.regionCode, terms.calendarVersion))).toBeGreaterThan(0);
    expect(await statementsOf(() => calendar.current(terms.regionCode, terms.calendarVersion))).toBe(0);
  });
});
