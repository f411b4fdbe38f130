// Validation and expansion of a year's official schedule (国务院办公厅关于…年部分节假日安排的通知).
// Pure: the API validates with it and the database layer stores what it expands.
import { dateOf, dayOf, type CalendarException, type DayKind } from './working-days.js';

export interface ImportedDay {
  date: string;
  kind: 'holiday' | 'makeup-workday';
  name?: string;
}

export interface ExpandedDay {
  date: string;
  year: number;
  working: boolean;
  kind: DayKind;
  holidayName: string | null;
}

/** Problems with an import, one message per bad entry; empty when it may be stored. */
export function importProblems(year: number, days: ImportedDay[]): Array<{ index: number; message: string }> {
  const problems: Array<{ index: number; message: string }> = [];
  // A notice may move days at the end of the previous year (e.g. a make-up Sunday before New Year).
  const earliest = `${year - 1}-12-01`;
  const latest = `${year}-12-31`;
  const seen = new Map<string, number>();
  days.forEach((d, index) => {
    let day: number;
    try {
      day = dayOf(d.date);
    } catch {
      problems.push({ index, message: `${d.date} is not a date (YYYY-MM-DD)` });
      return;
    }
    if (dateOf(day) !== d.date) problems.push({ index, message: `${d.date} is not a calendar date` });
    if (d.date < earliest || d.date > latest) problems.push({ index, message: `${d.date} is outside ${year} (and December ${year - 1})` });
    if (seen.has(d.date)) problems.push({ index, message: `${d.date} is listed twice (also at ${seen.get(d.date)})` });
    seen.set(d.date, index);
    const weekend = isWeekend(day);
    if (d.kind === 'makeup-workday' && !weekend) problems.push({ index, message: `${d.date} is a weekday: a make-up workday (调休上班) falls on a weekend` });
  });
  return problems;
}

function isWeekend(day: number): boolean {
  const dow = (day + 4) % 7;
  return dow === 0 || dow === 6;
}

/** Every date of the year with its kind, plus the listed dates of the previous December. */
export function expandYear(year: number, days: ImportedDay[]): ExpandedDay[] {
  const listed = new Map(days.map((d) => [d.date, d]));
  const out: ExpandedDay[] = [];
  for (let day = dayOf(`${year}-01-01`); day <= dayOf(`${year}-12-31`); day++) out.push(expandOne(dateOf(day), listed.get(dateOf(day))));
  for (const d of days) if (d.date < `${year}-01-01`) out.push(expandOne(d.date, d));
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

function expandOne(date: string, listed: ImportedDay | undefined): ExpandedDay {
  const weekend = isWeekend(dayOf(date));
  const kind: DayKind = listed ? listed.kind : weekend ? 'weekend' : 'workday';
  return {
    date,
    year: Number(date.slice(0, 4)),
    working: kind === 'workday' || kind === 'makeup-workday',
    kind,
    holidayName: listed?.name ?? null,
  };
}

/** The exceptions the arithmetic needs, from stored days. */
export function exceptionsOf(days: Array<{ date: string; kind: string; holidayName: string | null }>): CalendarException[] {
  return days
    .filter((d) => d.kind === 'holiday' || d.kind === 'makeup-workday')
    .map((d) => ({ date: d.date, kind: d.kind as CalendarException['kind'], name: d.holidayName ?? undefined }));
}
