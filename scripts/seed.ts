// Demo data for one city, 连云港 (320700): the rows are data, in scripts/seed/demo.json, and the
// official calendars in db/seed/. Idempotent, so `npm start` runs it every time: rows that
// exist are left as they are, so an operator's edits survive a restart.
import { readFile } from 'node:fs/promises';
import { eq, isNull, ne } from 'drizzle-orm';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../db/client.js';
import * as schema from '../db/schema/index.js';
import { importCalendar } from '../db/calendar.js';
import { newItemVersion, supervisionItemVersion } from '../db/catalog.js';
import { projectRoot } from '../runtime/config.js';
import type { ImportedDay } from '../workflows/domain/calendar-import.js';
import { creditCodeCheckChar } from '../workflows/domain/credit-code.js';
import { monthsPeriodEnd } from '../workflows/domain/deadlines.js';

/** Whether any case or task is still open: a deadline a seeded schedule could move. */
async function anythingRunning(db: ReturnType<typeof createDatabase>['db']): Promise<boolean> {
  const [c] = await db.select({ no: schema.cases.applicationNo }).from(schema.cases).where(isNull(schema.cases.closedAt)).limit(1);
  const [t] = await db.select({ id: schema.tasks.taskId }).from(schema.tasks).where(ne(schema.tasks.status, 'closed')).limit(1);
  return Boolean(c ?? t);
}

/** A valid demo credit code: 17 characters plus their GB 32100-2015 check character. */
export const demoCreditCode = (first17: string) => first17 + creditCodeCheckChar(first17);

/** The codes tests and tools refer to (the same as in demo.json). */
export const DEMO = {
  region: '320700',
  trainingRegion: 'TRAIN-320700',
  approvalDepartment: 'LYG-SPJ',
  market: 'LYG-SJJ',
  health: 'LYG-WJW',
  marketFoodDivision: 'LYG-SJJ-SPJY',
  healthDivision: 'LYG-WJW-GGWS',
  housing: 'LYG-ZJJ',
  housingDivision: 'LYG-ZJJ-JZSC',
  /** 政务办: where a complaint no department is competent for goes (docs/complaints.md). */
  coordinatingOffice: 'LYG-ZWB',
  coordinatingDivision: 'LYG-ZWB-DBC',
  /** The rehearsal region's own departments: training items never reach a live one. */
  training: { approvalDepartment: 'TR-SPJ', market: 'TR-SJJ', marketFoodDivision: 'TR-SJJ-SPJY', housing: 'TR-ZJJ', housingDivision: 'TR-ZJJ-JZSC' },
  applicants: {
    good: demoCreditCode('91320700MA1N0000'.padEnd(17, '1')),
    blacklisted: demoCreditCode('91320700MA1N0000'.padEnd(17, '2')),
    /** Under the joint-punishment measure LYG-CJ-001 (联合惩戒): no 告知承诺 at LYG-SPJ. */
    punished: demoCreditCode('91320700MA1N0000'.padEnd(17, '3')),
  },
} as const;

/** Years whose official schedule ships in db/seed/. */
export const CALENDAR_YEARS = [2024, 2025, 2026];

/** demo.json's tables, in insertion order (foreign keys first). */
const TABLES = ['deadlinePolicies', 'regions', 'departments', 'divisions', 'approvalItems', 'supervisionItems', 'linkages', 'creditProfiles', 'leniencyEntries', 'jointPunishmentMeasures', 'scopeMappings', 'powerDivisions', 'marketEntities', 'entityRiskGrades', 'inspectors', 'inspectorConflicts'] as const;

type SeedTx = Parameters<Parameters<ReturnType<typeof createDatabase>['db']['transaction']>[0]>[0];

/**
 * The two lists' first versions, and one decision on the demo applicant `punished`: the measure
 * LYG-CJ-001 (no 告知承诺 at LYG-SPJ) from the day it was first seeded, for its duration.
 */
async function seedLists(tx: SeedTx): Promise<void> {
  for (const [catalog, table] of [['leniency', schema.leniencyEntries], ['joint-punishment', schema.jointPunishmentMeasures]] as const) {
    for (const { updatedAt: _u, ...row } of await tx.select().from(table)) {
      await tx.insert(schema.listEntryVersions).values({ catalog, code: row.code, version: row.version, snapshot: row, createdBy: 'seed' }).onConflictDoNothing();
    }
  }
  const [measure] = await tx.select().from(schema.jointPunishmentMeasures).where(eq(schema.jointPunishmentMeasures.code, 'LYG-CJ-001'));
  if (!measure) return;
  const now = new Date();
  const decision = { creditCode: DEMO.applicants.punished, measureCode: measure.code, measureVersion: measure.version, decisionNo: '连市监信惩〔2026〕1号', reason: '虚假承诺，经责令整改拒不整改（演示数据）', decidedBy: { sub: 'seed', role: 'system' }, decidedAt: now, startsAt: now, endsAt: monthsPeriodEnd(now, measure.durationMonths) };
  await tx.insert(schema.entityPunishments).values(decision).onConflictDoNothing();
}

export async function seedDemo(databaseUrl: string): Promise<void> {
  const rows = JSON.parse(await readFile(path.join(projectRoot, 'scripts', 'seed', 'demo.json'), 'utf8')) as Record<(typeof TABLES)[number], object[]>;
  const { db, close } = createDatabase(databaseUrl, { max: 1 });
  try {
    await db.transaction(async (tx) => {
      for (const name of TABLES) await tx.insert(schema[name]).values(rows[name] as never).onConflictDoNothing();
      // Each item's first version, with the linkages that route it.
      const versioned = new Set((await tx.select({ code: schema.approvalItemVersions.itemCode }).from(schema.approvalItemVersions)).map((v) => v.code));
      for (const item of await tx.select({ code: schema.approvalItems.code }).from(schema.approvalItems)) {
        if (!versioned.has(item.code)) await newItemVersion(tx, item.code, 'seeded', { sub: 'seed', role: 'system' });
      }
      for (const item of await tx.select().from(schema.supervisionItems)) await supervisionItemVersion(tx, item, 'seed');
      await seedLists(tx);
    });
    // The official schedules shipped with the code; a year an administrator has imported is left alone.
    const loaded = new Set((await db.select({ year: schema.calendarYears.year }).from(schema.calendarYears)).map((y) => y.year));
    for (const year of CALENDAR_YEARS.filter((y) => !loaded.has(y))) {
      const file = JSON.parse(await readFile(path.join(projectRoot, 'db', 'seed', `calendar-${year}.json`), 'utf8')) as { notice: string; days: ImportedDay[] };
      const { importId } = await importCalendar(db, { year, notice: file.notice, days: file.days, by: 'seed' });
      // Nothing running yet (a new database): nothing to re-time. Otherwise the API starts the re-timing.
      if (!(await anythingRunning(db))) await db.update(schema.calendarImports).set({ retimedAt: new Date() }).where(eq(schema.calendarImports.id, importId));
    }
  } finally {
    await close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is not set (npm start sets it for the local server)\n');
    process.exit(78);
  }
  await seedDemo(url);
  process.stdout.write('demo data seeded\n');
}
