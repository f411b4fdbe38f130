// The document store as `app.documents` (db/documents.ts): the one handed in (another store, a
// test's), else the default that keeps the files in PostgreSQL through the app's pool.
import fp from 'fastify-plugin';
import { postgresDocumentStore, type DocumentStore } from '../../db/documents.js';

declare module 'fastify' {
  interface FastifyInstance {
    documents: DocumentStore;
  }
}

export default fp<{ documents?: DocumentStore }>(
  async (app, { documents }) => {
    app.decorate('documents', documents ?? postgresDocumentStore(app.db));
  },
  { name: 'documents', dependencies: ['database'] },
);
