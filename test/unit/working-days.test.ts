import { describe, expect, it } from 'vitest';
import { WorkingCalendar, dateOf, dayOf, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import { TRAINING_URGE_AFTER_MINUTES, dayBeforeReminder, monthsDeadline, urgeAfter } from '../../workflows/domain/deadlines.js';

const weekendsOnly = new WorkingCalendar({ publishedYears: [], exceptions: [] });
// Spring Festival 2026 as published by the State Council: off 02-15..02-23, make-up Saturdays 02-14 and 02-28.
const spring2026 = new WorkingCalendar({
  publishedYears: [2026],
  exceptions: [
    ...['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23'].map((date) => ({ date, kind: 'holiday' as const, name: '春节' })),
    { date: '2026-02-14', kind: 'makeup-workday' as const, name: '春节调休' },
    { date: '2026-02-28', kind: 'makeup-workday' as const, name: '春节调休' },
  ],
});

describe('working-day deadlines', () => {
  it('does not count the start day and ends at 24:00 Asia/Shanghai of the n-th working day', () => {
    // Tuesday 2026-11-24 10:00 +08:00 → Wed, Thu, Fri → Friday 2026-11-27 24:00 = 16:00Z.
    const d = weekendsOnly.deadline(new Date('2026-11-24T02:00:00Z'), 3);
    expect(d.dueDate).toBe('2026-11-27');
    expect(d.dueAt.toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(formatShanghai(d.dueAt)).toBe('2026-11-27 24:00');
    expect(d.provisional).toBe(true);
  });

  it('skips the weekend', () => {
    // Thursday 2026-11-26 → Fri, Mon, Tue.
    expect(weekendsOnly.deadline(new Date('2026-11-26T01:00:00Z'), 3).dueDate).toBe('2026-12-01');
  });

  it('uses the Shanghai date of the start: 23:59 and 00:00 fall on different days', () => {
    // 2026-11-24 23:59 +08:00 is still Tuesday; 2026-11-25 00:00 +08:00 is Wednesday.
    expect(weekendsOnly.deadline(new Date('2026-11-24T15:59:00Z'), 1).dueDate).toBe('2026-11-25');
    expect(weekendsOnly.deadline(new Date('2026-11-24T16:00:00Z'), 1).dueDate).toBe('2026-11-26');
  });

  it('counts make-up workdays and skips holidays (Spring Festival 2026)', () => {
    // Start Friday 2026-02-13: Sat 02-14 is a make-up workday, then nine days off, then 02-24.
    expect(spring2026.deadline(new Date('2026-02-13T02:00:00Z'), 1).dueDate).toBe('2026-02-14');
    expect(spring2026.deadline(new Date('2026-02-13T02:00:00Z'), 2).dueDate).toBe('2026-02-24');
    // Start on a holiday: the holiday itself is the start day, not counted.
    expect(spring2026.deadline(new Date('2026-02-18T02:00:00Z'), 3).dueDate).toBe('2026-02-26');
    // Thursday 02-26 → Fri 02-27, Sat 02-28 (make-up), Mon 03-02.
    expect(spring2026.deadline(new Date('2026-02-26T02:00:00Z'), 3).dueDate).toBe('2026-03-02');
    expect(spring2026.deadline(new Date('2026-02-26T02:00:00Z'), 3).provisional).toBe(false);
  });

  it('finds the working day before a deadline for reminders, at office hours', () => {
    // Deadline Tue 2026-02-24: the working day before it is the make-up Saturday 02-14.
    expect(spring2026.reminderBefore('2026-02-24').toISOString()).toBe('2026-02-14T01:00:00.000Z');
    expect(weekendsOnly.reminderBefore('2026-11-30', '09:30').toISOString()).toBe('2026-11-27T01:30:00.000Z');
  });

  it('agrees with a day-by-day walk for every start day and period over two years', () => {
    for (let day = dayOf('2025-12-01'); day < dayOf('2027-01-31'); day++) {
      for (const n of [1, 3, 5, 20]) {
        let walked = day;
        for (let k = 0; k < n; ) {
          walked++;
          if (spring2026.isWorkingDay(walked)) k++;
        }
        const got = spring2026.nthWorkingDayAfter(day, n);
        if (got !== walked) expect(dateOf(got), `start ${dateOf(day)} n=${n}`).toBe(dateOf(walked));
        expect(spring2026.isWorkingDay(got)).toBe(true);
      }
    }
    expect(shanghaiDayOf(new Date('2026-02-13T16:00:00Z'))).toBe(dayOf('2026-02-14'));
  });
});

describe('the urging notice (催办) after a missed deadline', () => {
  const policy = { unit: 'working-day' as const, officeTime: '09:00' };
  it('is at office time on the first working day after the deadline day', () => {
    // Deadline Friday 2026-11-27 24:00 → Monday 2026-11-30 09:00 +08:00.
    expect(urgeAfter(weekendsOnly, policy, new Date('2026-11-27T16:00:00Z'))).toBe('2026-11-30T01:00:00.000Z');
    // Deadline Tuesday 2026-11-24 24:00 → Wednesday 09:00.
    expect(urgeAfter(weekendsOnly, policy, new Date('2026-11-24T16:00:00Z'))).toBe('2026-11-25T01:00:00.000Z');
  });

  it('skips a holiday and lands on a make-up workday', () => {
    // Deadline Friday 2026-02-13 24:00: the make-up Saturday 02-14 is the next working day.
    expect(urgeAfter(spring2026, policy, new Date('2026-02-13T16:00:00Z'))).toBe('2026-02-14T01:00:00.000Z');
    // Deadline Saturday 02-14 24:00: the holiday runs to 02-23 → Tuesday 02-24 09:00.
    expect(urgeAfter(spring2026, policy, new Date('2026-02-14T16:00:00Z'))).toBe('2026-02-24T01:00:00.000Z');
  });

  it('is a fixed number of minutes after a training deadline', () => {
    expect(urgeAfter(weekendsOnly, { unit: 'minute', officeTime: '09:00' }, new Date('2026-11-24T03:00:00Z'))).toBe(new Date(Date.parse('2026-11-24T03:00:00Z') + TRAINING_URGE_AFTER_MINUTES * 60_000).toISOString());
  });
});

describe('the deferred-materials reminder (截止前一天, seed 003 §8)', () => {
  const unit = { unit: 'working-day' as const, officeTime: '09:00' };
  it('is at office time on the calendar day before the last day, a Sunday included', () => {
    // Last day Monday 2026-12-07 (due 24:00): reminded Sunday 12-06 09:00, not Friday.
    expect(dayBeforeReminder(unit, new Date('2026-12-07T16:00:00Z'), new Date('2026-11-01T00:00:00Z'))).toBe('2026-12-06T01:00:00.000Z');
    expect(formatShanghai(dayBeforeReminder(unit, new Date('2026-12-07T16:00:00Z'), new Date('2026-11-01T00:00:00Z'))!)).toBe('2026-12-06 09:00');
  });
  it('is none when that moment is not after the start, and a minute before in rehearsal', () => {
    expect(dayBeforeReminder(unit, new Date('2026-12-07T16:00:00Z'), new Date('2026-12-06T02:00:00Z'))).toBeNull();
    expect(dayBeforeReminder({ unit: 'minute', officeTime: '09:00' }, new Date('2026-12-07T16:00:00Z'), new Date('2026-12-07T15:00:00Z'))).toBe('2026-12-07T15:59:00.000Z');
  });
});

describe('a period of calendar months (民法典 arts. 200–203)', () => {
  const plain = new WorkingCalendar({ publishedYears: [2024, 2026], exceptions: [{ date: '2026-10-01', kind: 'holiday' }, { date: '2026-10-02', kind: 'holiday' }, { date: '2026-10-05', kind: 'holiday' }] });
  const from = (d: string) => new Date(`${d}T10:00:00+08:00`);
  it('ends on the corresponding day, or the month’s last day where there is none', () => {
    expect(monthsDeadline(plain, from('2026-03-10'), 1)).toMatchObject({ dueAt: '2026-04-10T16:00:00.000Z', provisional: false, period: '1 month' });
    expect(monthsDeadline(plain, from('2024-01-31'), 1).dueAt).toBe('2024-02-29T16:00:00.000Z'); // leap year
    expect(monthsDeadline(plain, from('2026-11-30'), 3).dueAt).toBe('2027-03-01T16:00:00.000Z'); // Feb 28 2027 a Sunday → Monday; 2027 provisional
    expect(monthsDeadline(plain, from('2026-11-30'), 3).provisional).toBe(true);
  });
  it('moves a last day that is a rest day to the next working day', () => {
    // 2026-01-31 + 1 month: Feb 28, a Saturday → Monday Mar 2.
    expect(monthsDeadline(plain, from('2026-01-31'), 1).dueAt).toBe('2026-03-02T16:00:00.000Z');
    // 2026-09-01 + 1 month: Oct 1, a holiday, then Oct 2 (holiday), the weekend, Oct 5 (holiday) → Oct 6.
    expect(monthsDeadline(plain, from('2026-09-01'), 1).dueAt).toBe('2026-10-06T16:00:00.000Z');
  });
});
