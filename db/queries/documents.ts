// The documents' metadata as the API reads it, whatever store keeps the bytes (db/documents.ts):
// one document, the caller's own among a submission's, whether a supervisor's task names one,
// and a dossier's documents.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../client.js';
import { documents, dossiers, tasks } from '../schema/index.js';

/** A document without its bytes. */
export const documentColumns = {
  id: documents.id,
  sha256: documents.sha256,
  mediaType: documents.mediaType,
  size: documents.size,
  fileName: documents.fileName,
  departmentCode: documents.departmentCode,
  uploadedBy: documents.uploadedBy,
  createdAt: documents.createdAt,
};
export type DocumentMeta = { [K in keyof typeof documentColumns]: (typeof documents.$inferSelect)[K] };

const byId = preparedPerDb((db) => db.select(documentColumns).from(documents).where(eq(documents.id, sql.placeholder('id'))).prepare('document_by_id'));

export async function documentById(db: Db, id: string): Promise<DocumentMeta | undefined> {
  return (await byId(db).execute({ id }))[0];
}

/** Which of `ids` are documents of `department` (a submission names only its own). */
export async function ownDocumentIds(db: Db, department: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: documents.id }).from(documents).where(and(eq(documents.departmentCode, department), inArray(documents.id, ids)));
  return new Set(rows.map((r) => r.id));
}

/**
 * Whether a dossier that names the document belongs to a case with a task of `department` (and
 * of `division`, when given): the case read scope of a supervisor (api/access.ts caseForReader).
 * The dossiers' GIN index finds the naming ones.
 */
const supervised = preparedPerDb((db) =>
  db
    .select({ one: sql<number>`1` })
    .from(dossiers)
    .innerJoin(tasks, eq(tasks.applicationNo, dossiers.applicationNo))
    .where(
      and(
        sql`${dossiers.materials} @> ${sql.placeholder('named')}::jsonb`,
        eq(tasks.departmentCode, sql.placeholder('department')),
        sql`(${sql.placeholder('division')}::text is null or ${tasks.divisionCode} = ${sql.placeholder('division')}::text)`,
      ),
    )
    .limit(1)
    .prepare('document_supervised'),
);

export async function supervisesDocument(db: Db, id: string, department: string, division: string | undefined): Promise<boolean> {
  const rows = await supervised(db).execute({ named: JSON.stringify([{ documentId: id }]), department, division: division ?? null });
  return rows.length > 0;
}

/** The documents of `ids`, by id (a dossier's materials). */
export async function documentsByIds(db: Db, ids: string[]): Promise<Map<string, DocumentMeta>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select(documentColumns).from(documents).where(inArray(documents.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}
