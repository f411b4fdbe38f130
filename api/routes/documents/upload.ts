// POST /v1/documents: an approval department stores a material's file; its cases then name it
// as {name, documentId}. The body is the file itself, sent with its media type. Only this
// plugin's route parses files (the parsers are encapsulated in it): every JSON route still
// answers 415 to a file, and this one 415 to JSON.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HttpProblem, forbidden, problems } from '../../errors.js';
import { DOCUMENT_MEDIA_TYPES, KINDS, bytesAre, documentMediaType } from './media.js';
import { documentHref, documentView, viewOfDocument } from './view.js';

const fileName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  // A refinement, not a pattern: \p{Cc} is not in every regex dialect that reads the OpenAPI document.
  .refine((s) => !/[/\\\p{Cc}]/u.test(s), 'a file name, without a path or control characters')
  .describe('the original file name (shown when the file is downloaded), URL-encoded: 营业执照.pdf');

const fileBody = z
  .custom<Buffer>((v) => Buffer.isBuffer(v), { message: `the file's bytes, sent as ${DOCUMENT_MEDIA_TYPES.join(', ')}` })
  .meta({ type: 'string', format: 'binary' });

const uploadRoutes: FastifyPluginAsyncZod = async (app) => {
  const limit = app.config.env.DOCUMENT_MAX_BYTES;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...DOCUMENT_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.post(
    '/v1/documents',
    {
      config: { roles: ['approval'], binaryBody: true },
      bodyLimit: limit,
      schema: {
        operationId: 'uploadDocument',
        tags: ['documents'],
        summary: "Store a material's file (PDF, OFD, JPEG or PNG); the caller's department owns it",
        description: `The body is the file, with its media type as content-type; the bytes must be of that type (their signature is checked: a file that is not what it claims is 415), at most ${limit} bytes (413). The same bytes from the same department again answer 200 with the document already stored. Materials then name it as {"name", "documentId"}.`,
        consumes: [...DOCUMENT_MEDIA_TYPES],
        querystring: z.object({ fileName: fileName.optional() }).strict(),
        body: fileBody,
        response: { 200: documentView, 201: documentView, ...problems(400, 401, 403, 413, 415, 503) },
      },
    },
    async (req, reply) => {
      const p = req.principal;
      if (!p.department) throw forbidden('an approval token must name its department: the department owns the document');
      const type = documentMediaType(req.headers['content-type'])!; // the parser took only these
      if (!bytesAre(type, req.body)) throw new HttpProblem(415, 'media-type-mismatch', 'Unsupported media type', `the body is sent as ${type} but is not ${KINDS[type]}: its bytes do not begin as one does`);
      const { document, created } = await app.documents.put({ bytes: req.body, mediaType: type, fileName: req.query.fileName ?? null, departmentCode: p.department, uploadedBy: p.sub });
      return reply.code(created ? 201 : 200).header('location', documentHref(document.id)).send(viewOfDocument(document));
    },
  );
};

export default uploadRoutes;
