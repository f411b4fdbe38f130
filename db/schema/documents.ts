// The files behind materials (申请材料): what an approval department uploaded, kept by the
// document store (db/documents.ts). The row is the store's metadata, which the API reads for
// access and for the dossier whatever keeps the bytes; the default store keeps the bytes here too.
import { sql } from 'drizzle-orm';
import { pgTable, text, integer, timestamp, uuid, uniqueIndex, check, customType } from 'drizzle-orm/pg-core';

/** PostgreSQL bytea; postgres.js sends and answers a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const documents = pgTable(
  'documents',
  {
    // Random, not a sequence: the id is in links and dossiers, and must not let anyone count or guess them.
    id: uuid('id').primaryKey().defaultRandom(),
    /** sha-256 of the bytes, lowercase hex. */
    sha256: text('sha256').notNull(),
    mediaType: text('media_type').notNull(),
    size: integer('size').notNull(),
    /** The file name the uploader gave, if any (shown in the download's content-disposition). */
    fileName: text('file_name'),
    /** The uploading principal's department: it owns the document, and only its cases may name it. */
    departmentCode: text('department_code').notNull(),
    uploadedBy: text('uploaded_by').notNull(),
    // Kept out of line and uncompressed (migration 0014: SET STORAGE EXTERNAL): PDF, JPEG, PNG
    // and OFD (a zip) are compressed already, so TOAST compression would cost CPU for nothing.
    content: bytea('content').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The same bytes from the same department are one document (an upload repeated after a lost answer).
    uniqueIndex('documents_department_sha256_idx').on(t.departmentCode, t.sha256),
    check('documents_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check('documents_size_of_content', sql`${t.size} = octet_length(${t.content})`),
  ],
);
