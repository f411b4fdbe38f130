// External effects beyond SMS: records pushed to the public credit platform (公共信用信息平台)
// and the e-licence data (电子证照) materials are verified against. Like the SMS outbox, each
// credit record carries a business key with a unique constraint, and the same key is what the
// platform de-duplicates on, so a retried activity never files a record twice (ARCHITECTURE.md §4).
import { pgTable, text, jsonb, timestamp, bigserial, serial, date, boolean, index } from 'drizzle-orm/pg-core';

export const creditRecordKinds = ['dishonesty', 'broken-commitment', 'commitment-kept', 'supervision-result', 'revocation'] as const;
export type CreditRecordKind = (typeof creditRecordKinds)[number];

export type CreditRecordStatus = 'pending' | 'accepted' | 'rejected';

/** What we pushed to the credit platform: one row per record in effect. */
export const creditRecords = pgTable(
  'credit_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // e.g. <applicationNo>:credit:revocation; also the key the platform de-duplicates on.
    businessKey: text('business_key').notNull().unique(),
    creditCode: text('credit_code').notNull(),
    kind: text('kind').$type<CreditRecordKind>().notNull(),
    applicationNo: text('application_no').notNull(),
    taskId: text('task_id'),
    summary: text('summary').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').$type<CreditRecordStatus>().notNull().default('pending'),
    providerRecordId: text('provider_record_id'),
    /** The last failure while pushing (the row stays pending and the activity retries). */
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (t) => [index('credit_records_credit_code_idx').on(t.creditCode, t.id), index('credit_records_application_idx').on(t.applicationNo)],
);

/**
 * The embedded credit platform's own record of what it accepted, keyed by the business key we
 * send. It stands in for the platform's side, so tests can prove nothing was filed twice.
 */
export const creditPlatformRecords = pgTable(
  'credit_platform_records',
  {
    businessKey: text('business_key').primaryKey(),
    creditCode: text('credit_code').notNull(),
    kind: text('kind').$type<CreditRecordKind>().notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('credit_platform_records_credit_code_idx').on(t.creditCode)],
);

/** The embedded e-licence service's data (电子证照 stand-in) for local runs. */
export const elicenceRecords = pgTable(
  'elicence_records',
  {
    id: serial('id').primaryKey(),
    creditCode: text('credit_code').notNull(),
    material: text('material').notNull(), // e.g. 卫生检测报告
    licenceNo: text('licence_no').notNull(),
    /** Last valid day (Asia/Shanghai); null: no expiry. */
    validUntil: date('valid_until', { mode: 'string' }),
    revoked: boolean('revoked').notNull().default(false),
  },
  (t) => [index('elicence_records_credit_code_material_idx').on(t.creditCode, t.material)],
);
