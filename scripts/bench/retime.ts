// npm run bench:retime [-- --quick] [-- --engine dev|cluster] [-- --cases N]
// A calendar import in a city with N cases waiting for their decision (default 20,000, quick 400),
// each with a running workflow: the calendarRetime workflow on our worker (the real activity:
// every decision deadline re-timed in the read model with its trail step, every waiting case
// signalled, by pages with the cursor heartbeated) from its start to its result, against the
// same N running workflows signalled from a client loop with the same number of signals in
// flight (the bare floor: what telling N workflows costs at all). Both sides on the same
// server of the engine, in the same run; the workflows are bare ones (they take the signal,
// nothing more), so the ratio is what the re-timing adds to the signalling. Target ≤ 2.
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { SIGNALS_AT_ONCE } from '../../activities/calendar-import.js';
import { importCalendar } from '../../db/calendar.js';
import { calendarChangedSignal, calendarRetimeWorkflowId } from '../../workflows/contracts.js';
import type { calendarRetime } from '../../workflows/calendarRetime.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, countOf, pool, startBareWorker, startBenchStack, startOurWorker } from './stack.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const N = argValue(argv, '--cases') ?? (quick ? 400 : 20_000);
const YEAR = 2031; // no published schedule: nothing of the seed counts in it

const stack = await startBenchStack(engine);
try {
  const t = await connectTemporal(stack);
  const bare = await startBareWorker(stack, t, { taskQueue: 'bench-bare' });
  const ours = await startOurWorker(stack, t, { taskQueue: 'bench-ours' });
  const { db } = ours.database;
  // The cases, their routing steps and their running workflows: a city's worth.
  await db.execute(sql`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code, applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by, decision_due_at, decision_due_provisional, decision_window)
    select 'RT-' || lpad(i::text, 6, '0'), 'case-RT-' || lpad(i::text, 6, '0'), 'SP-FOOD-01', 1, 'LYG-SPJ', '320700', '91350100M000100Y43', '某公司', '13700000001', 'auto', 'h', 'awaiting-decision', 'bench',
           '2031-03-17T16:00:00Z', true, '{"amount": 10, "unit": "working-day", "officeTime": "09:00"}'::jsonb
    from generate_series(1, ${N}) i`);
  await db.execute(sql`
    insert into audit_events (event_key, application_no, kind, summary, actor, at)
    select 'RT-' || lpad(i::text, 6, '0') || ':routed', 'RT-' || lpad(i::text, 6, '0'), 'routed', 'standard route', '{"sub": "system", "role": "system"}'::jsonb, '2031-03-03T02:00:00Z'::timestamptz
    from generate_series(1, ${N}) i`);
  const ids = Array.from({ length: N }, (_, i) => `case-RT-${String(i + 1).padStart(6, '0')}`);
  const s0 = performance.now();
  await pool(N, 50, (i) => t.client.workflow.start('bareWaiting', { taskQueue: 'bench-bare', workflowId: ids[i]!, args: [] }));
  console.log(`calendar re-timing, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: ${N.toLocaleString('en')} waiting cases, their workflows started in ${((performance.now() - s0) / 1000).toFixed(1)} s`);

  // Bare: the same signal to each, SIGNALS_AT_ONCE in flight, as the activity sends them.
  const b0 = performance.now();
  await pool(N, SIGNALS_AT_ONCE, (i) => t.client.workflow.getHandle(ids[i]!).signal(calendarChangedSignal, { importId: 0, year: YEAR }));
  const bareS = (performance.now() - b0) / 1000;

  // Ours: 2031-03-10 becomes a day off, every decision counted from 2031-03-03 moves a working day.
  const imported = await importCalendar(db, { year: YEAR, notice: '基准：2031年临时休息日', days: [{ date: '2031-03-10', kind: 'holiday', name: '临时休息日' }], by: 'bench' });
  const o0 = performance.now();
  const r = await t.client.workflow.execute<typeof calendarRetime>('calendarRetime', { taskQueue: 'bench-ours', workflowId: calendarRetimeWorkflowId(imported.importId), args: [{ importId: imported.importId, year: YEAR }] });
  const oursS = (performance.now() - o0) / 1000;
  const moved = await countOf(db.execute<{ n: number }>(sql`select count(*)::int as n from audit_events where kind = 'deadline-moved' and application_no like 'RT-%'`));
  const attempts = (await t.client.workflow.getHandle(calendarRetimeWorkflowId(imported.importId)).fetchHistory()).events?.length ?? 0;
  if (moved !== N || r.casesRetimed !== N || r.casesSignalled !== N) throw new Error(`re-timed ${r.casesRetimed}, signalled ${r.casesSignalled}, trail steps ${moved}; expected ${N} each`);

  console.log(`bare: ${N.toLocaleString('en')} signals, ${SIGNALS_AT_ONCE} in flight     ${bareS.toFixed(1).padStart(7)} s   ${(N / bareS).toFixed(0).padStart(5)} cases/s`);
  console.log(`ours: calendarRetime to its result         ${oursS.toFixed(1).padStart(7)} s   ${(N / oursS).toFixed(0).padStart(5)} cases/s   (${r.casesRetimed} re-timed with a trail step each, ${r.casesSignalled} signalled; ${attempts} history events)`);
  console.log(`ratio ours/bare: ${(oursS / bareS).toFixed(2)} (target ≤ 2: ${oursS / bareS <= 2 ? 'met' : 'MISSED'})`);
  await ours.stop();
  await bare.stop();
  await t.close();
} finally {
  await stack.stop();
}
