// The document store: the bytes of the files materials name (POST /v1/documents), behind an
// interface so that another store can keep them. The default keeps them in PostgreSQL, in the
// `documents` row beside their metadata (bytea, not large objects: a row and its bytes are
// written, backed up, replicated and access-checked together, postgres.js sends and reads a
// Buffer, and nothing is left to clean up with vacuumlo; files are at most DOCUMENT_MAX_BYTES,
// far under bytea's 1 GB).
//
// The seam for an S3-compatible store (MinIO, OSS, COS, S3): `put` writes the object first —
// under a content-addressed key, `documents/<departmentCode>/<sha256>`, so a repeated upload
// writes the same object again and an object orphaned by a crash before the row is harmless —
// then inserts the `documents` row without the bytes (its `content` column made nullable, and
// a `storage_key` column added: one migration); `get` reads the row, then streams the object.
// Everything else — access (api/access.ts), the dossier, the submission's ownership check —
// reads the metadata rows (db/queries/documents.ts) and never touches the store.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { documents } from './schema/index.js';
import { documentColumns, type DocumentMeta } from './queries/documents.js';

export type { DocumentMeta };

export interface NewDocument {
  bytes: Buffer;
  mediaType: string;
  fileName: string | null;
  /** The uploading principal's department: it owns the document. */
  departmentCode: string;
  uploadedBy: string;
}

export interface DocumentStore {
  /**
   * Keeps the bytes for the department and answers their metadata (sha-256, size). The same
   * bytes again from the same department answer the document already kept (`created: false`),
   * with its first file name and media type.
   */
  put(doc: NewDocument): Promise<{ document: DocumentMeta; created: boolean }>;
  /** The document and its bytes (a Buffer, or a stream from a store that streams); undefined if none. */
  get(id: string): Promise<{ document: DocumentMeta; body: Buffer | Readable } | undefined>;
}

/** The default store: metadata and bytes in one `documents` row. */
export function postgresDocumentStore(db: Db): DocumentStore {
  return {
    async put({ bytes, mediaType, fileName, departmentCode, uploadedBy }) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      // A simultaneous upload of the same bytes waits for the other's insert and then finds its row.
      const [created] = await db
        .insert(documents)
        .values({ sha256, mediaType, size: bytes.length, fileName, departmentCode, uploadedBy, content: bytes })
        .onConflictDoNothing({ target: [documents.departmentCode, documents.sha256] })
        .returning(documentColumns);
      if (created) return { document: created, created: true };
      const [kept] = await db.select(documentColumns).from(documents).where(and(eq(documents.departmentCode, departmentCode), eq(documents.sha256, sha256)));
      return { document: kept!, created: false };
    },
    async get(id) {
      const [row] = await db.select({ ...documentColumns, content: documents.content }).from(documents).where(eq(documents.id, id));
      if (!row) return undefined;
      const { content, ...document } = row;
      return { document, body: content };
    },
  };
}
