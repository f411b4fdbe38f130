import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { elicenceRecords } from '../../db/schema/index.js';

export interface MaterialCheck {
  material: string;
  ok: boolean;
  /** Why the material is not covered, e.g. "e-licence XYZ expired 2026-01-31". */
  reason?: string;
  /** The e-licence that covers the material (ok), or the one that no longer does. */
  licenceNo?: string;
}

/** The shared e-licence service (电子证照): materials checked instead of handed in (材料核验). */
export interface ElicenceService {
  verify(input: { creditCode: string; materials: string[]; at: Date }): Promise<MaterialCheck[]>;
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The calendar date of an instant in Asia/Shanghai (UTC+8, no DST), as YYYY-MM-DD. */
function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The default e-licence service for local runs: records live in PostgreSQL. A material is
 * covered when a non-revoked e-licence of the applicant for it is valid on the day of `at`
 * (Asia/Shanghai; the last valid day counts in full). When none is, the newest e-licence for
 * the material says why (revoked, or expired), or there is none at all.
 */
export function createEmbeddedElicence(db: Db): ElicenceService {
  return {
    async verify({ creditCode, materials, at }) {
      if (materials.length === 0) return [];
      const day = shanghaiDate(at);
      const rows = await db
        .select()
        .from(elicenceRecords)
        .where(and(eq(elicenceRecords.creditCode, creditCode), inArray(elicenceRecords.material, [...new Set(materials)])))
        .orderBy(desc(elicenceRecords.id));
      return materials.map((material): MaterialCheck => {
        const mine = rows.filter((r) => r.material === material);
        const valid = mine.find((r) => !r.revoked && (r.validUntil === null || r.validUntil >= day));
        if (valid) return { material, ok: true, licenceNo: valid.licenceNo };
        const newest = mine[0];
        if (!newest) return { material, ok: false, reason: `no e-licence for ${material}` };
        if (newest.revoked) return { material, ok: false, reason: `e-licence ${newest.licenceNo} revoked`, licenceNo: newest.licenceNo };
        return { material, ok: false, reason: `e-licence ${newest.licenceNo} expired ${newest.validUntil}`, licenceNo: newest.licenceNo };
      });
    },
  };
}
