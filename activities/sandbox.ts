// Rehearsal (培训演练) apart from live work: the effects of a case of a rehearsal region (its
// policy counts in minutes) go to the embedded adapters, which keep their records in
// PostgreSQL, whatever the configured provider URLs: a rehearsal never sends a real SMS, files
// a record on the real credit platform or asks the real credit and e-licence services.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../db/client.js';
import { cases, deadlinePolicies, regions } from '../db/schema/index.js';
import { createEmbeddedCredit } from './adapters/credit.js';
import { createEmbeddedCreditPlatform } from './adapters/credit-platform.js';
import { createEmbeddedElicence } from './adapters/elicence.js';
import { createEmbeddedSms } from './adapters/sms.js';
import type { Adapters } from './context.js';

/** The embedded adapters over the database: where a rehearsal's effects go. */
export function sandboxAdapters(db: Db): Adapters {
  return { sms: createEmbeddedSms(db), credit: createEmbeddedCredit(db), creditPlatform: createEmbeddedCreditPlatform(db), elicence: createEmbeddedElicence(db) };
}

const unitOfCase = preparedPerDb((db) =>
  db
    .select({ unit: deadlinePolicies.unit })
    .from(cases)
    .innerJoin(regions, eq(regions.code, cases.regionCode))
    .innerJoin(deadlinePolicies, eq(deadlinePolicies.code, regions.deadlinePolicy))
    .where(eq(cases.applicationNo, sql.placeholder('no')))
    .prepare('case_policy_unit'),
);

/** Whether a case is a rehearsal: its region's policy counts in minutes. */
export async function isRehearsal(db: Db, applicationNo: string): Promise<boolean> {
  const [row] = await unitOfCase(db).execute({ no: applicationNo });
  return row?.unit === 'minute';
}

/** The adapter a case's effect goes through: the sandbox's for a rehearsal, the configured one else. */
export async function adapterFor<K extends keyof Adapters>(ctx: { db: Db; sandbox?: Partial<Adapters> } & Pick<Adapters, K>, applicationNo: string, kind: K): Promise<Adapters[K]> {
  if (!(await isRehearsal(ctx.db, applicationNo))) return ctx[kind] as Adapters[K];
  return ctx.sandbox?.[kind] ?? sandboxAdapters(ctx.db)[kind];
}
