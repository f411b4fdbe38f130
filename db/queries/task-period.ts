// The one selection of tasks every assessment figure counts: the timeliness (stats.ts,
// timeliness-statement.ts), the monthly report's loop figures (loop-figures.ts) and its trend.
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { rehearsalRegions } from './catalog.js';
import { tasks } from '../schema/index.js';

/** Which tasks a figure counts: pushed in [start, end), live or rehearsal, of these departments. */
export interface TaskPeriod {
  start: Date;
  end: Date;
  departmentCode?: string;
  /** Limits it to these departments (a regional admin's region). */
  departmentCodes?: string[];
  rehearsal?: boolean;
}

/** The one selection every assessment figure counts (timeliness, the monthly report's loop figures and trend). */
export function periodTasks(f: TaskPeriod): SQL {
  // Live figures never count a rehearsal (培训演练); the rehearsal's are asked for apart.
  const where: SQL[] = [gte(tasks.pushedAt, f.start), lt(tasks.pushedAt, f.end), f.rehearsal ? sql`${tasks.regionCode} in ${rehearsalRegions}` : sql`${tasks.regionCode} not in ${rehearsalRegions}`];
  if (f.departmentCode) where.push(eq(tasks.departmentCode, f.departmentCode));
  if (f.departmentCodes) where.push(inArray(tasks.departmentCode, f.departmentCodes.length ? f.departmentCodes : ['-']));
  return and(...where)!;
}
