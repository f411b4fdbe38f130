import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Writer } from '../steps.js';
import { creditPlatformRecords, creditProfiles, type CreditRecordKind } from '../../db/schema/index.js';

export interface CreditPlatformRecord {
  /** Our business key; the platform de-duplicates on it, as an SMS provider does on out_id. */
  businessKey: string;
  creditCode: string;
  kind: CreditRecordKind;
  summary: string;
  detail: Record<string, unknown>;
}

export interface CreditPlatformReceipt {
  providerRecordId: string;
  /** True if the platform had already accepted this business key: nothing new was filed. */
  duplicate: boolean;
}

/** The public credit platform (公共信用信息平台): where results, dishonesty and revocations go. */
export interface CreditPlatform {
  push(record: CreditPlatformRecord): Promise<CreditPlatformReceipt>;
}

/**
 * The default platform for local runs: it keeps each accepted record in PostgreSQL, once per
 * business key, and files a broken commitment or a dishonesty record on the applicant's credit
 * profile (the one the embedded credit query answers from: one more broken commitment, and on
 * the dishonesty list), so the pre-check of a later case sees it. The profile changes only when the record is new, in the same transaction, so a
 * retried push never counts twice.
 */
export function createEmbeddedCreditPlatform(db: Db): CreditPlatform {
  return {
    async push({ businessKey, creditCode, kind, summary, detail }) {
      /** Files the record once per business key; true when it was already there. */
      const file = async (w: Writer) =>
        (
          await w
            .insert(creditPlatformRecords)
            .values({ businessKey, creditCode, kind, payload: { summary, detail } })
            .onConflictDoNothing({ target: creditPlatformRecords.businessKey })
            .returning({ businessKey: creditPlatformRecords.businessKey })
        ).length === 0;
      const receipt = (duplicate: boolean) => ({ providerRecordId: `embedded-credit-${businessKey}`, duplicate });
      // A result record touches no profile: one statement, no transaction.
      if (kind !== 'broken-commitment' && kind !== 'dishonesty') return receipt(await file(db));
      const duplicate = await db.transaction(async (tx) => {
        if (await file(tx)) return true;
        // Both are a commitment broken and both put the applicant on the dishonesty list
        // (承诺不实 / 逾期未补交: 失信信息, seed 003 §8): an untrue commitment, the graver breach,
        // never weighs less than deferred materials not handed in.
        await tx
          .insert(creditProfiles)
          .values({ creditCode, grade: 'B', brokenCommitments: 1, blacklisted: true })
          .onConflictDoUpdate({
            target: creditProfiles.creditCode,
            set: { brokenCommitments: sql`${creditProfiles.brokenCommitments} + 1`, blacklisted: true, updatedAt: sql`now()` },
          });
        return false;
      });
      return receipt(duplicate);
    },
  };
}

export async function countPlatformRecords(db: Db, businessKey: string): Promise<number> {
  const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from credit_platform_records where business_key = ${businessKey}`);
  return rows[0]?.n ?? 0;
}
