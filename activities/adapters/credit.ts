import { eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../../db/client.js';
import { creditProfiles } from '../../db/schema/index.js';

export interface CreditStanding {
  grade: 'A' | 'B' | 'C' | 'D';
  blacklisted: boolean;
  brokenCommitments: number;
}

export interface CreditAdapter {
  query(creditCode: string): Promise<CreditStanding>;
}

/**
 * The default credit platform for local runs: profiles live in PostgreSQL so an operator can
 * set a demo applicant's grade. An applicant the platform does not know is grade B (the
 * platform's default for an enterprise with no record), not blacklisted.
 */
const profileByCode = preparedPerDb((db) => db.select().from(creditProfiles).where(eq(creditProfiles.creditCode, sql.placeholder('code'))).prepare('credit_profile_by_code'));

export function createEmbeddedCredit(db: Db): CreditAdapter {
  return {
    async query(creditCode) {
      const [row] = await profileByCode(db).execute({ code: creditCode });
      if (!row) return { grade: 'B', blacklisted: false, brokenCommitments: 0 };
      return { grade: row.grade as CreditStanding['grade'], blacklisted: row.blacklisted, brokenCommitments: row.brokenCommitments };
    },
  };
}
