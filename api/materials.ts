// Materials (申请材料) as a submission or the deferred materials name them: a bare name, or a
// name with the file stored for it (POST /v1/documents). A case names only files of its own
// department; the workflow gets names and ids, never bytes.
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { ownDocumentIds } from '../db/queries/documents.js';
import type { Material } from '../workflows/contracts.js';
import { unprocessable } from './errors.js';
import { shortText } from './schemas.js';

export const material = z
  .union([
    shortText(200),
    z
      .object({ name: shortText(200), documentId: z.uuid().transform((s) => s.toLowerCase()).describe('a document of the caller\'s department (POST /v1/documents)') })
      .strict(),
  ])
  .describe('a material by name, or by name with its stored file');
export type MaterialInput = z.infer<typeof material>;

/**
 * The materials as the case keeps them. Every document named must be one of `department`'s:
 * else 422 and nothing starts — the same answer for another department's document and for an
 * id that names none, so a submission learns nothing of other departments' files.
 */
export async function ownMaterials(db: Db, department: string, input: readonly MaterialInput[]): Promise<Material[]> {
  const materials: Material[] = input.map((m) => (typeof m === 'string' ? { name: m } : { name: m.name, documentId: m.documentId }));
  const named = [...new Set(materials.flatMap((m) => (m.documentId ? [m.documentId] : [])))];
  const own = await ownDocumentIds(db, department, named);
  const foreign = materials.filter((m) => m.documentId && !own.has(m.documentId));
  if (foreign.length > 0) {
    const which = foreign.map((m) => `"${m.name}" (${m.documentId})`).join(', ');
    throw unprocessable(`materials ${which}: not a document of department ${department}; a case names only files its department stored with POST /v1/documents`);
  }
  return materials;
}
