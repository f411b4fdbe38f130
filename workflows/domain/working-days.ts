// Working-day arithmetic by the legal convention (行政许可法 art. 82; 民法典 art. 201/203):
// the day a period starts on is not counted, and a deadline of n working days falls at 24:00
// Asia/Shanghai of the n-th working day after it. Pure code: the calendar data comes in, so
// both activities and tests can use it, and nothing here reads a clock.
//
// Cost per call is logarithmic: working days up to a date are counted in O(1) for the
// weekday pattern plus a binary search over the sorted exceptions (holidays on weekdays,
// make-up workdays 调休上班 on weekends), and the n-th working day is found by binary search
// over that count.

export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup-workday';

export interface CalendarException {
  date: string; // YYYY-MM-DD
  kind: 'holiday' | 'makeup-workday';
  name?: string;
}

export interface CalendarData {
  /** Years whose official schedule has been imported; others count weekends only (provisional). */
  publishedYears: number[];
  exceptions: CalendarException[];
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000; // China has kept UTC+8 without DST since 1991.

/** Day number (days since 1970-01-01) of an ISO date. */
export function dayOf(date: string): number {
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`not a date: ${date}`);
  return Math.floor(ms / DAY_MS);
}

/** Proleptic Gregorian date of a day number, by integer arithmetic (H. Hinnant's civil_from_days). */
function civil(day: number): { y: number; m: number; d: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export function dateOf(day: number): string {
  const { y, m, d } = civil(day);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

export function yearOf(day: number): number {
  return civil(day).y;
}

/** The Asia/Shanghai calendar day an instant falls on. */
export function shanghaiDayOf(instant: Date): number {
  return Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** 24:00 Asia/Shanghai at the end of a day, as an instant. */
export function endOfShanghaiDay(day: number): Date {
  return new Date((day + 1) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** hh:mm Asia/Shanghai on a day, as an instant. */
export function shanghaiTimeOn(day: number, hhmm: string): Date {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day: ${hhmm}`);
  return new Date(day * DAY_MS - SHANGHAI_OFFSET_MS + (Number(m[1]) * 60 + Number(m[2])) * 60_000);
}

/** Working by the weekday pattern alone (Mon–Fri), before any published schedule. */
export function isWeekdayPatternWorking(date: string): boolean {
  return !isWeekendDay(dayOf(date));
}

function isWeekendDay(day: number): boolean {
  const dow = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return dow === 0 || dow === 6;
}

/** Weekdays (Mon–Fri) in days [0, day] (a count relative to the epoch; negative before it). */
function weekdaysThrough(day: number): number {
  // Shift so that block boundaries fall on Mondays: day 4 (1970-01-05) was a Monday.
  const shifted = day - 4 + 7; // ≥ 3 for day ≥ 0
  const full = Math.floor(shifted / 7);
  const rest = shifted - full * 7; // 0 = Monday … 6 = Sunday; also right before 1970 (% would go negative)
  return full * 5 + Math.min(rest + 1, 5) - 3; // minus Mon–Wed before the epoch (days −3..−1)
}

/** The first weekday d with weekdaysThrough(d) === count (inverse of weekdaysThrough). */
function firstWeekdayWithCount(count: number): number {
  const x = count + 3; // = full * 5 + (rest + 1), rest 0..4 = Monday..Friday
  const full = Math.floor((x - 1) / 5);
  const rest = x - full * 5 - 1;
  return full * 7 + rest - 3;
}

export interface DeadlineResult {
  /** The deadline instant: 24:00 Asia/Shanghai at the end of the last working day. */
  dueAt: Date;
  /** The last working day, YYYY-MM-DD. */
  dueDate: string;
  /** True if any counted day lies in a year whose schedule is not published yet. */
  provisional: boolean;
}

export class WorkingCalendar {
  private readonly exceptionDays: Int32Array; // sorted
  private readonly exceptionDelta: Int8Array; // +1 make-up workday, −1 holiday on a weekday
  private readonly prefix: Int32Array; // prefix[i] = sum of delta[0..i-1]
  private readonly byDay = new Map<number, CalendarException>();
  private readonly published: Set<number>;

  constructor(data: CalendarData) {
    this.published = new Set(data.publishedYears);
    const effective: Array<{ day: number; delta: number }> = [];
    for (const e of data.exceptions) {
      const day = dayOf(e.date);
      if (this.byDay.has(day)) throw new RangeError(`date listed twice: ${e.date}`);
      this.byDay.set(day, e);
      // Only exceptions that flip the weekday pattern change the count.
      if (e.kind === 'holiday' && !isWeekendDay(day)) effective.push({ day, delta: -1 });
      if (e.kind === 'makeup-workday' && isWeekendDay(day)) effective.push({ day, delta: +1 });
    }
    effective.sort((a, b) => a.day - b.day);
    this.exceptionDays = Int32Array.from(effective.map((e) => e.day));
    this.exceptionDelta = Int8Array.from(effective.map((e) => e.delta));
    this.prefix = new Int32Array(effective.length + 1);
    for (let i = 0; i < effective.length; i++) this.prefix[i + 1] = this.prefix[i]! + this.exceptionDelta[i]!;
  }

  kindOf(date: string | number): DayKind {
    const day = typeof date === 'number' ? date : dayOf(date);
    const e = this.byDay.get(day);
    if (e) return e.kind;
    return isWeekendDay(day) ? 'weekend' : 'workday';
  }

  isWorkingDay(date: string | number): boolean {
    const kind = this.kindOf(date);
    return kind === 'workday' || kind === 'makeup-workday';
  }

  isPublished(year: number): boolean {
    return this.published.has(year);
  }

  /** Working days in [epoch, day]. */
  private workingThrough(day: number): number {
    // Upper bound: number of exception days ≤ day.
    let lo = 0;
    let hi = this.exceptionDays.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.exceptionDays[mid]! <= day) lo = mid + 1;
      else hi = mid;
    }
    return weekdaysThrough(day) + this.prefix[lo]!;
  }

  /** The n-th working day strictly after `startDay` (n ≥ 1). */
  nthWorkingDayAfter(startDay: number, n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`working days must be a whole number ≥ 1, got ${n}`);
    const target = this.workingThrough(startDay) + n;
    // Jump straight to the day the weekday pattern alone would give, then correct for the
    // exceptions in between: holidays push it on (each jump covers the shortfall at once),
    // make-up workdays may let it step back. Each correction is a count in O(log k).
    let day = firstWeekdayWithCount(weekdaysThrough(startDay) + n);
    for (let c = this.workingThrough(day); c < target; c = this.workingThrough(day)) {
      day = firstWeekdayWithCount(weekdaysThrough(day) + (target - c));
    }
    while (day - 1 > startDay && this.workingThrough(day - 1) >= target) day--;
    return day;
  }

  /** The working day before `day` (for reminders "the day before the deadline"). */
  workingDayBefore(day: number): number {
    let d = day - 1;
    while (!this.isWorkingDay(d)) d--; // never more than the longest holiday (9 days)
    return d;
  }

  /** Deadline of `workingDays` working days for a period starting at `from` (legal convention). */
  deadline(from: Date, workingDays: number): DeadlineResult {
    const startDay = shanghaiDayOf(from);
    const due = this.nthWorkingDayAfter(startDay, workingDays);
    return {
      dueAt: endOfShanghaiDay(due),
      dueDate: dateOf(due),
      provisional: this.touchesUnpublished(startDay + 1, due),
    };
  }

  /** 09:00 (or `officeTime`) on the working day before the deadline's last day. */
  reminderBefore(dueDate: string, officeTime = '09:00'): Date {
    return shanghaiTimeOn(this.workingDayBefore(dayOf(dueDate)), officeTime);
  }

  private touchesUnpublished(fromDay: number, toDay: number): boolean {
    const last = yearOf(toDay);
    for (let y = yearOf(fromDay); y <= last; y++) if (!this.published.has(y)) return true;
    return false;
  }
}
