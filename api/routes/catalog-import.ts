import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

// Placeholder: the bulk import routes are being written in this file.
const catalogImportRoutes: FastifyPluginAsyncZod = async () => {};
export default catalogImportRoutes;
