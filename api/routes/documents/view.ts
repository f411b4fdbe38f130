// A document as the API shows it (no bytes): the answer of an upload, of /meta, and of a
// dossier's material.
import { z } from 'zod';
import type { DocumentMeta } from '../../../db/queries/documents.js';
import { DOCUMENT_MEDIA_TYPES, EXTENSIONS, type DocumentMediaType } from './media.js';

export const documentHref = (id: string) => `/v1/documents/${id}`;

export const documentIdParam = z.object({ documentId: z.uuid().transform((s) => s.toLowerCase()).describe('the id POST /v1/documents answered') });

export const documentView = z.object({
  documentId: z.string(),
  sha256: z.string().describe('sha-256 of the bytes, lowercase hex'),
  size: z.number().int().describe('bytes'),
  mediaType: z.enum(DOCUMENT_MEDIA_TYPES),
  fileName: z.string().nullable(),
  departmentCode: z.string().describe('the approval department that uploaded it: only its cases may name it'),
  createdAt: z.string(),
  href: z.string().describe('GET it for the bytes'),
}).meta({ id: 'Document' });

export function viewOfDocument(d: DocumentMeta): z.infer<typeof documentView> {
  return {
    documentId: d.id,
    sha256: d.sha256,
    size: d.size,
    mediaType: d.mediaType as DocumentMediaType,
    fileName: d.fileName,
    departmentCode: d.departmentCode,
    createdAt: d.createdAt.toISOString(),
    href: documentHref(d.id),
  };
}

/** RFC 5987 / 6266: an ASCII fallback for old clients, the UTF-8 name (中文 file names) for the rest. */
export function contentDisposition(d: DocumentMeta): string {
  const name = d.fileName ?? `${d.id}.${EXTENSIONS[d.mediaType as DocumentMediaType] ?? 'bin'}`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
