// Rehearsal (培训演练) apart from live work: the effects of a case of a rehearsal region (its
// policy counts in minutes) go to the embedded adapters, which keep their records in
// PostgreSQL, whatever the configured provider URLs: a rehearsal never sends a real SMS, files
// a record on the real credit platform or asks the real credit and e-licence services.
import type { Db } from '../db/client.js';
import { isRehearsal } from '../db/queries/catalog.js';
import { createEmbeddedCredit } from './adapters/credit.js';
import { createEmbeddedCreditPlatform } from './adapters/credit-platform.js';
import { createEmbeddedElicence } from './adapters/elicence.js';
import { createEmbeddedSms } from './adapters/sms.js';
import type { Adapters } from './context.js';

/** The embedded adapters over the database: where a rehearsal's effects go. */
export function sandboxAdapters(db: Db): Adapters {
  return { sms: createEmbeddedSms(db), credit: createEmbeddedCredit(db), creditPlatform: createEmbeddedCreditPlatform(db), elicence: createEmbeddedElicence(db) };
}

/** The adapter a case's effect goes through: the sandbox's for a rehearsal, the configured one else. */
export async function adapterFor<K extends keyof Adapters>(ctx: { db: Db; sandbox?: Partial<Adapters> } & Pick<Adapters, K>, applicationNo: string, kind: K): Promise<Adapters[K]> {
  if (!(await isRehearsal(ctx.db, applicationNo))) return ctx[kind] as Adapters[K];
  return ctx.sandbox?.[kind] ?? sandboxAdapters(ctx.db)[kind];
}
