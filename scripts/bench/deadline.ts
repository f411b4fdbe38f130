// npm run bench:deadline [-- --quick] [-- --engine dev|cluster: accepted, changes nothing]
// Cost of one deadline computation (WorkingCalendar.deadline) over the real 2024-2026 schedules,
// against a day-by-day walk measured in the same run. Prints figures; asserts nothing. Pure
// computation: no Temporal, so the same on both engines.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../../runtime/config.js';
import { noEngineLabel } from './engine.js';
import { CALENDAR_YEARS } from '../seed.js';
import { WorkingCalendar, endOfShanghaiDay, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { expandYear, exceptionsOf, type ImportedDay } from '../../workflows/domain/calendar-import.js';

const quick = process.argv.includes('--quick');
const calls = quick ? 50_000 : 2_000_000;

const days = CALENDAR_YEARS.flatMap((year) => {
  const file = JSON.parse(readFileSync(path.join(projectRoot, 'db', 'seed', `calendar-${year}.json`), 'utf8')) as { days: ImportedDay[] };
  return expandYear(year, file.days);
});
const calendar = new WorkingCalendar({ publishedYears: CALENDAR_YEARS, exceptions: exceptionsOf(days) });

// Inputs fixed up front so both methods see the same work: starts across 2024-2026, 1-30 days.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const from = Date.parse('2024-01-01T00:00:00+08:00');
const span = Date.parse('2026-11-30T00:00:00+08:00') - from;
const starts = Array.from({ length: calls }, () => new Date(from + Math.floor(random() * span)));
// Most windows are short (3, 5, 10, 20 working days); commitment and rectification periods can
// run to months, where a walk costs most.
const shortPeriods = Array.from({ length: calls }, () => 1 + Math.floor(random() * 30));
const longPeriods = Array.from({ length: calls }, () => 60 + Math.floor(random() * 190));
let periods = shortPeriods;

/** The obvious implementation: walk day by day. */
function walk(start: Date, n: number): number {
  let day = shanghaiDayOf(start);
  for (let k = 0; k < n; ) if (calendar.isWorkingDay(++day)) k++;
  return endOfShanghaiDay(day).getTime();
}

function measure(name: string, fn: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < Math.min(calls, 20_000); i++) sink += fn(i); // warm up the JIT
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sink += fn(i);
  const ns = ((performance.now() - t0) * 1e6) / calls;
  console.log(`${name.padEnd(28)} ${(ns / 1000).toFixed(3)} µs/call  (${calls.toLocaleString('en')} calls, checksum ${sink % 997})`);
  return ns;
}

console.log(`deadline computation, ${quick ? 'quick' : 'full'} run, node ${process.version}, ${noEngineLabel(process.argv.slice(2))}`);
for (const [label, set] of [['1-30 working days', shortPeriods], ['60-250 working days', longPeriods]] as const) {
  periods = set;
  console.log(`\n${label}`);
  const ours = measure('WorkingCalendar.deadline', (i) => calendar.deadline(starts[i]!, periods[i]!).dueAt.getTime());
  const base = measure('baseline: day-by-day walk', (i) => walk(starts[i]!, periods[i]!));
  for (let i = 0; i < 1000; i++) {
    if (calendar.deadline(starts[i]!, periods[i]!).dueAt.getTime() !== walk(starts[i]!, periods[i]!)) throw new Error(`methods disagree at input ${i}`);
  }
  console.log(`ratio ours/baseline: ${(ours / base).toFixed(2)}; target under 5 µs per call: ${ours / 1000 < 5 ? 'met' : 'MISSED'}`);
}
