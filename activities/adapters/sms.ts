import type { Db } from '../../db/client.js';
import { smsGatewayMessages } from '../../db/schema/index.js';

export interface SmsMessage {
  /** Our business key; providers de-duplicate on it (Aliyun SMS calls it OutId). */
  outId: string;
  phone: string;
  body: string;
}

export interface SmsReceipt {
  providerMessageId: string;
  /** True if the provider had already accepted this out_id: nothing new went out. */
  duplicate: boolean;
}

export interface SmsAdapter {
  send(message: SmsMessage): Promise<SmsReceipt>;
}

/**
 * The default gateway for local runs: it records each accepted message in PostgreSQL, once per
 * out_id, the way a real provider de-duplicates, so the loop is visible end to end.
 */
export function createEmbeddedSms(db: Db): SmsAdapter {
  return {
    async send({ outId, phone, body }) {
      const inserted = await db
        .insert(smsGatewayMessages)
        .values({ outId, phone, body })
        .onConflictDoNothing()
        .returning({ outId: smsGatewayMessages.outId });
      return { providerMessageId: `embedded-${outId}`, duplicate: inserted.length === 0 };
    },
  };
}
