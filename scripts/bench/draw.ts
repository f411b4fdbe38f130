// npm run bench:draw [-- --quick] [-- --entities N] [-- --engine dev|cluster: accepted, changes nothing]
// The 双随机 draw at scale: N market entities (default 1,000,000) in one region, a roster of 200
// officers with conflicts, one committed plan; the draw's two activities as the worker runs them
// (snapshot: read the population, the roster and the conflicts and keep the snapshot document;
// draw: parse it, draw, write the targets), against the time to read the population alone — the
// same query, in the same run. No Temporal runs: the workflow adds two activity round trips.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { createDatabase } from '../../db/client.js';
import { inspectionPlans } from '../../db/schema/index.js';
import { projectRoot } from '../../runtime/config.js';
import { drawing, planContent, readPopulation } from '../../activities/draw/draw.js';
import type { Ctx } from '../../activities/context.js';
import { contentHashOf, deriveSeed } from '../../activities/draw/terms.js';
import { startStack } from '../stack/stack.js';
import { noEngineLabel } from './engine.js';
import { argValue } from './stack.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const N = argValue(argv, '--entities') ?? (quick ? 20_000 : 1_000_000);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const stack = await startStack({
  dir: path.join(projectRoot, '.data', 'bench', `draw-${process.pid}`), name: 'bench', ephemeral: true, temporal: false,
  postgres: { database: 'bench', fast: true }, migrate: true, seed: true, env: { LOG_LEVEL: 'silent' },
});
try {
  const database = createDatabase(stack.databaseUrl, { max: 5 });
  const sql = database.sql;
  const t0 = performance.now();
  await sql.unsafe(`insert into regions (code, name) values ('BENCH', '基准市')`);
  await sql.unsafe(`insert into departments (code, name, region_code, side) values ('BENCH-SJJ', '基准市场监管局', 'BENCH', 'supervision')`);
  await sql.unsafe(`insert into supervision_items (code, name, department_code) values ('BENCH-FOOD-01', '食品', 'BENCH-SJJ'), ('BENCH-FOOD-02', '标签', 'BENCH-SJJ'), ('BENCH-FOOD-03', '冷链', 'BENCH-SJJ')`);
  // Grades and risks spread as a city's are (B and C most); every 5th entity with an item risk grade.
  await sql.unsafe(`
    insert into market_entities (credit_code, name, region_code, industry, credit_grade, credit_source, credit_assessed_on, origin, updated_by)
    select '91' || lpad(g::text, 16, '0'), '企业' || g, 'BENCH', 'food', (array['A','B','B','B','C','C','C','D','A','B'])[1 + g % 10], 'bench', date '2026-06-30', 'import', 'bench'
    from generate_series(1, ${N}) g`);
  await sql.unsafe(`
    insert into entity_risk_grades (credit_code, scope, scope_code, grade, source, assessed_on)
    select '91' || lpad(g::text, 16, '0'), 'item', 'BENCH-FOOD-0' || (1 + g % 3), (array['low','medium','high'])[1 + g % 3], 'bench', date '2026-06-30'
    from generate_series(5, ${N}, 5) g`);
  await sql.unsafe(`
    insert into inspectors (id, department_code, name, certificate_no, certificate_valid_from, certificate_valid_until, items, updated_by)
    select 'BENCH-SJJ-' || lpad(g::text, 3, '0'), 'BENCH-SJJ', '执法员' || g, 'BENCHCERT' || g, date '2024-01-01', case when g % 20 = 0 then date '2026-12-10' else date '2029-12-31' end,
           case when g % 2 = 0 then '["BENCH-FOOD-01","BENCH-FOOD-02"]'::jsonb else '["BENCH-FOOD-02","BENCH-FOOD-03"]'::jsonb end, 'bench'
    from generate_series(1, 200) g`);
  await sql.unsafe(`
    insert into inspector_conflicts (inspector_id, credit_code, reason, recorded_by)
    select 'BENCH-SJJ-' || lpad((1 + g % 200)::text, 3, '0'), '91' || lpad(g::text, 16, '0'), '回避', '{"sub":"bench","role":"system"}'::jsonb
    from generate_series(7, ${N}, 97) g`);
  const planId = 'BENCH-SJJ-2026-01';
  const plan = {
    planId, name: '基准抽查', regionCode: 'BENCH', leadDepartmentCode: 'BENCH-SJJ', departments: ['BENCH-SJJ'], items: ['BENCH-FOOD-01', 'BENCH-FOOD-02', 'BENCH-FOOD-03'], itemsPerTarget: 2, filter: {},
    shares: { A: { low: 0, medium: 0.02, high: 0.05 }, B: { low: 0.03, medium: 0.05, high: 0.1 }, C: { low: 0.1, medium: 0.15, high: 0.2 }, D: { low: 0.2, medium: 0.3, high: 0.5 } },
    inspectorsPerTarget: 2, periodStart: '2026-12-07', periodEnd: '2026-12-31', publicationDays: 20,
  };
  const contentHash = contentHashOf(planContent(plan));
  await database.db.insert(inspectionPlans).values({ ...plan, status: 'committed', contentHash, beacon: 'bench', beaconSource: 'bench', seed: deriveSeed(contentHash, 'bench'), createdBy: { sub: 'bench', role: 'system' } });
  await sql.unsafe('vacuum analyze');
  console.log(`draw at scale, ${quick ? 'quick' : 'full'} run, ${noEngineLabel(argv)}: ${N.toLocaleString('en')} entities loaded in ${seconds(performance.now() - t0)}`);

  // Baseline: the population alone, as the snapshot reads it (twice; the second, warm, counts).
  await readPopulation(database.db, planContent(plan));
  const r0 = performance.now();
  const population = await readPopulation(database.db, planContent(plan));
  const read = performance.now() - r0;

  const ctx = { db: database.db, clock: () => new Date() } as unknown as Ctx;
  const s0 = performance.now();
  const snap = await drawing.snapshotDraw(ctx, { planId });
  const snapshotMs = performance.now() - s0;
  const d0 = performance.now();
  const done = await drawing.runDraw(ctx, { drawId: snap.drawId });
  const drawMs = performance.now() - d0;
  const total = snapshotMs + drawMs;
  console.log(`population read alone (baseline)         ${seconds(read).padStart(9)}   (${population.length.toLocaleString('en')} rows)`);
  console.log(`snapshot (read + document kept)          ${seconds(snapshotMs).padStart(9)}   (sha-256 ${snap.snapshotHash.slice(0, 12)}…)`);
  console.log(`draw (parse + draw + ${done.targets.toLocaleString('en')} targets written) ${seconds(drawMs).padStart(9)}   (${done.unstaffed} unstaffed)`);
  console.log(`ratio draw (snapshot + draw) / read alone: ${(total / read).toFixed(2)}`);
  const v0 = performance.now();
  const [row] = await database.db.select({ planId: inspectionPlans.planId }).from(inspectionPlans).where(eq(inspectionPlans.planId, planId));
  const verified = await drawing.verifyRecordedDraw(ctx, { drawId: row!.planId, verificationId: 'bench' });
  console.log(`verify (re-run from the kept snapshot)   ${seconds(performance.now() - v0).padStart(9)}   (${verified.verified ? 'verified' : 'NOT verified'})`);
  await database.close();
} finally {
  await stack.stop();
}
