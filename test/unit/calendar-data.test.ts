// The official schedules shipped in db/seed/ against an independent source (the chinese-days
// package), and the legal deadline convention on the dates where it matters most.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import chineseDays from 'chinese-days';
import { projectRoot } from '../../runtime/config.js';
import { CALENDAR_YEARS } from '../../scripts/seed.js';
import { WorkingCalendar, dateOf, dayOf, endOfShanghaiDay, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { expandYear, exceptionsOf, importProblems, type ImportedDay } from '../../workflows/domain/calendar-import.js';

const seeds = CALENDAR_YEARS.map((year) => ({ year, ...(JSON.parse(readFileSync(path.join(projectRoot, 'db', 'seed', `calendar-${year}.json`), 'utf8')) as { notice: string; days: ImportedDay[] }) }));
const calendar = new WorkingCalendar({
  publishedYears: CALENDAR_YEARS,
  exceptions: exceptionsOf(seeds.flatMap((s) => expandYear(s.year, s.days))),
});
const at = (shanghai: string) => new Date(`${shanghai}+08:00`);

describe('official schedules 2024-2026', () => {
  it('agree with chinese-days on every date', () => {
    for (let day = dayOf('2024-01-01'); day <= dayOf('2026-12-31'); day++) {
      expect(calendar.isWorkingDay(day), dateOf(day)).toBe(chineseDays.isWorkday(dateOf(day)));
    }
  });

  it('carry the make-up workdays of each notice', () => {
    expect(calendar.kindOf('2026-01-04')).toBe('makeup-workday'); // New Year 2026: a Sunday worked
    expect(calendar.kindOf('2026-02-14')).toBe('makeup-workday'); // Spring Festival: two Saturdays
    expect(calendar.kindOf('2026-02-28')).toBe('makeup-workday');
    expect(calendar.kindOf('2025-09-28')).toBe('makeup-workday'); // National Day 2025
    expect(calendar.kindOf('2025-10-08')).toBe('holiday');
    expect(calendar.kindOf('2026-10-10')).toBe('makeup-workday');
    expect(calendar.kindOf('2024-02-18')).toBe('makeup-workday');
  });
});

describe('deadlines by the legal convention', () => {
  // [what, start (Asia/Shanghai), working days, last working day]
  const cases: Array<[string, string, number, string]> = [
    ['New Year 2026: the make-up Sunday counts', '2025-12-31T10:00:00', 1, '2026-01-04'],
    ['New Year 2026: holidays 01-01..03 skipped', '2025-12-31T10:00:00', 2, '2026-01-05'],
    ['Spring Festival 2026: make-up Saturday 02-14 counts', '2026-02-13T10:00:00', 1, '2026-02-14'],
    ['Spring Festival 2026: nine days off', '2026-02-13T10:00:00', 2, '2026-02-24'],
    ['Spring Festival 2026: make-up Saturday 02-28 counts', '2026-02-26T10:00:00', 3, '2026-03-02'],
    ['a start on a holiday is the start day, not counted', '2026-02-18T10:00:00', 3, '2026-02-26'],
    ['National Day 2025: make-up Sunday 09-28', '2025-09-26T10:00:00', 1, '2025-09-28'],
    ['National Day 2025: eight days off', '2025-09-30T10:00:00', 1, '2025-10-09'],
    ['National Day 2025: make-up Saturday 10-11', '2025-10-09T10:00:00', 2, '2025-10-11'],
    ['National Day 2026: make-up Sunday 09-20', '2026-09-18T10:00:00', 1, '2026-09-20'],
    ['National Day 2026: holidays skipped', '2026-09-30T10:00:00', 1, '2026-10-08'],
    ['National Day 2026: make-up Saturday 10-10', '2026-10-08T10:00:00', 2, '2026-10-10'],
    ['23:59 is still the start day', '2026-11-24T23:59:00', 3, '2026-11-27'],
    ['00:00 is the next day', '2026-11-25T00:00:00', 3, '2026-11-30'],
    ['year end 2024 → 2025 (New Year holiday 01-01)', '2024-12-30T10:00:00', 2, '2025-01-02'],
    ['year end 2025 → 2026', '2025-12-30T10:00:00', 5, '2026-01-07'],
  ];
  it.each(cases)('%s', (_what, start, n, last) => {
    const d = calendar.deadline(at(start), n);
    expect(d.dueDate).toBe(last);
    expect(d.dueAt.toISOString()).toBe(endOfShanghaiDay(dayOf(last)).toISOString());
    expect(d.provisional).toBe(false);
  });

  it('is provisional when it reaches a year with no published schedule', () => {
    const d = calendar.deadline(at('2026-12-29T10:00:00'), 5);
    expect(d.dueDate).toBe('2027-01-05');
    expect(d.provisional).toBe(true);
  });

  it('property: every deadline is 24:00 of a working day with exactly n working days after the start day', () => {
    let seed = 20_261_124;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const from = at('2024-01-01T00:00:00').getTime();
    const span = at('2026-11-30T00:00:00').getTime() - from;
    for (let i = 0; i < 5_000; i++) {
      const start = new Date(from + Math.floor(random() * span));
      const n = 1 + Math.floor(random() * 30);
      const d = calendar.deadline(start, n);
      const dueDay = dayOf(d.dueDate);
      expect(calendar.isWorkingDay(dueDay)).toBe(true);
      expect(d.dueAt.getTime()).toBe(endOfShanghaiDay(dueDay).getTime());
      let counted = 0;
      for (let day = shanghaiDayOf(start) + 1; day <= dueDay; day++) if (calendar.isWorkingDay(day)) counted++;
      expect(counted).toBe(n);
    }
  });
});

describe('calendar import validation', () => {
  it('accepts a real notice', () => {
    for (const s of seeds) expect(importProblems(s.year, s.days)).toEqual([]);
  });

  it('names each bad entry', () => {
    const problems = importProblems(2027, [
      { date: '2027-02-30', kind: 'holiday' },
      { date: '2027-01-01', kind: 'holiday' },
      { date: '2027-01-01', kind: 'holiday' },
      { date: '2027-01-06', kind: 'makeup-workday' },
      { date: '2026-11-30', kind: 'holiday' },
      { date: '2026-12-27', kind: 'makeup-workday' },
    ]);
    expect(problems.map((p) => p.index)).toEqual([0, 2, 3, 4]);
    expect(problems[0]!.message).toMatch(/not a calendar date/);
    expect(problems[1]!.message).toMatch(/listed twice/);
    expect(problems[2]!.message).toMatch(/weekday/);
    expect(problems[3]!.message).toMatch(/outside 2027/);
  });

  it('expands a year to every date, with the previous December dates it lists', () => {
    const days = expandYear(2027, [{ date: '2026-12-27', kind: 'makeup-workday', name: '元旦调休' }]);
    expect(days).toHaveLength(366);
    expect(days[0]).toMatchObject({ date: '2026-12-27', year: 2026, working: true, kind: 'makeup-workday' });
    expect(days.find((d) => d.date === '2027-01-02')).toMatchObject({ working: false, kind: 'weekend' });
  });
});
