// The hotline systems (12345 citizens' hotline, 12315 consumer complaints): where a complaint's
// reply goes back, to be passed on to the complainant. The embedded default keeps each reply it
// accepted in PostgreSQL, once per business key, as a hotline de-duplicates on our key.
import type { Db } from '../../db/client.js';
import { hotlineReplies } from '../../db/schema/index.js';

export interface HotlineReply {
  /** Our business key (`<complaintNo>:reply`): the hotline's de-duplication key. */
  businessKey: string;
  source: string;
  ticketId: string;
  outcome: string;
  text: string;
  department: string;
  repliedAt: string;
}

export interface HotlineReceipt {
  receiptId: string;
  /** True if the hotline had this business key already: nothing new was received. */
  duplicate: boolean;
}

export interface HotlineAdapter {
  reply(r: HotlineReply): Promise<HotlineReceipt>;
}

export function createEmbeddedHotline(db: Db): HotlineAdapter {
  return {
    async reply({ businessKey, source, ticketId, ...payload }) {
      const inserted = await db.insert(hotlineReplies).values({ businessKey, source, ticketId, payload }).onConflictDoNothing({ target: hotlineReplies.businessKey }).returning({ k: hotlineReplies.businessKey });
      return { receiptId: `embedded-hotline-${businessKey}`, duplicate: inserted.length === 0 };
    },
  };
}
