// Human-readable times for summaries and messages, always in Asia/Shanghai (UTC+8, no DST).

const OFFSET_MS = 8 * 3_600_000;

/** "2026-12-03 24:00" for an instant at Shanghai midnight, else "2026-12-03 09:00". */
export function formatShanghai(instant: Date | string): string {
  const ms = (typeof instant === 'string' ? Date.parse(instant) : instant.getTime()) + OFFSET_MS;
  const d = new Date(ms);
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) {
    // Deadlines fall at 24:00 of their last day, which is 00:00 of the next: say it the legal way.
    const prev = new Date(ms - 86_400_000);
    return `${prev.toISOString().slice(0, 10)} 24:00`;
  }
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)}`;
}

/** A phone as the trail and the outbox show it: 137****0002. */
export const maskPhone = (phone: string | null | undefined): string => (phone ? phone.replace(/^(\d{3})\d+(\d{4})$/, '$1****$2') : '');
