// Elapsed time that counts only working days (each working day in full, 24 h, Asia/Shanghai).
// Used for "median claim time in working hours": a task pushed Friday 17:00 and claimed Monday
// 09:00 took 16 working hours, not 64 hours. Pure.
import { endOfShanghaiDay, shanghaiDayOf, type WorkingCalendar } from './working-days.js';

const DAY_MS = 86_400_000;

export function workingMillisBetween(calendar: WorkingCalendar, from: Date, to: Date): number {
  if (to <= from) return 0;
  const first = shanghaiDayOf(from);
  const last = shanghaiDayOf(to);
  let total = 0;
  for (let day = first; day <= last; day++) {
    if (!calendar.isWorkingDay(day)) continue;
    const dayStart = endOfShanghaiDay(day).getTime() - DAY_MS;
    const a = Math.max(dayStart, from.getTime());
    const b = Math.min(dayStart + DAY_MS, to.getTime());
    if (b > a) total += b - a;
  }
  return total;
}
