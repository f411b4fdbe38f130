// A document's bytes and its metadata, for the parties of a case that names it
// (api/access.ts documentForReader); to anyone else it does not exist.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { documentForReader } from '../../access.js';
import { notFound, problems } from '../../errors.js';
import { DOCUMENT_MEDIA_TYPES } from './media.js';
import { contentDisposition, documentIdParam, documentView, viewOfDocument } from './view.js';

const roles = ['approval', 'supervision', 'operator'] as const;
const refusals = problems(400, 401, 403, 404, 503);
const readers = 'Its approval department, the supervising departments and divisions of a case whose dossier names it, and the operator; anyone else gets 404.';

const documentReadRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/documents/:documentId',
    {
      config: { roles },
      schema: {
        operationId: 'getDocument',
        tags: ['documents'],
        summary: 'The file, as it was uploaded',
        description: `${readers} Answered with its media type, content-disposition (attachment, the original file name) and its sha-256 as the ETag.`,
        params: documentIdParam,
        produces: [...DOCUMENT_MEDIA_TYPES],
        response: { 200: z.any().meta({ type: 'string', format: 'binary' }), ...refusals },
      },
    },
    async (req, reply) => {
      const d = await documentForReader(app.db, req.principal, req.params.documentId);
      const stored = await app.documents.get(d.id);
      if (!stored) throw notFound(`document ${d.id}`);
      return reply
        .type(d.mediaType)
        .header('content-length', d.size)
        .header('content-disposition', contentDisposition(d))
        .header('etag', `"${d.sha256}"`)
        // Personal data: kept by no shared cache.
        .header('cache-control', 'private, no-store')
        .send(stored.body);
    },
  );

  app.get(
    '/v1/documents/:documentId/meta',
    {
      config: { roles },
      schema: { operationId: 'getDocumentMeta', tags: ['documents'], summary: "The file's metadata: sha-256, size, media type, name", description: readers, params: documentIdParam, response: { 200: documentView, ...refusals } },
    },
    async (req) => viewOfDocument(await documentForReader(app.db, req.principal, req.params.documentId)),
  );
};

export default documentReadRoutes;
