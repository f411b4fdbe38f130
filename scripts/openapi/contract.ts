// The committed contract and what it is made of: docs/openapi.json is the document the API
// serves (GET /openapi.json), written as documentText formats it; client/schema.d.ts is what
// openapi-typescript makes of it, for the typed client (client/index.ts). `npm run openapi`
// writes both (scripts/openapi.ts); test/api/openapi-contract.test.ts fails when either is stale.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { buildApp } from '../../api/app.js';
import type { Verifier } from '../../api/auth.js';
import { createDatabase } from '../../db/client.js';
import { loadConfig, projectRoot } from '../../runtime/config.js';

export const DOCUMENT_PATH = path.join(projectRoot, 'docs', 'openapi.json');
export const CLIENT_TYPES_PATH = path.join(projectRoot, 'client', 'schema.d.ts');

/** The document's committed form: two-space JSON with a final newline, keys in the order the API serves them. */
export const documentText = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/**
 * The document the API serves, without a stack: the app built on services it never calls (a
 * database pool that connects on first query, a Temporal client and a verifier that are never
 * used). The default configuration, so the document does not depend on the caller's environment.
 */
export async function offlineDocument(): Promise<unknown> {
  const config = loadConfig({ NODE_ENV: 'development' });
  const database = createDatabase('postgres://offline@127.0.0.1:9/offline');
  const app = await buildApp({ config, database, temporal: {} as Client, verifier: {} as Verifier });
  try {
    await app.ready();
    return JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body) as unknown;
  } finally {
    await app.close();
    await database.close();
  }
}

/** client/schema.d.ts for a document's text, as `npx openapi-typescript docs/openapi.json --default-non-nullable false` writes it. */
export async function clientTypesText(document: string): Promise<string> {
  // defaultNonNullable off: a field with a default (an input's `route`, `note`, `limit`) may be left out of a request.
  const ast = await openapiTS(JSON.parse(document) as Parameters<typeof openapiTS>[0], { silent: true, defaultNonNullable: false });
  return COMMENT_HEADER + astToString(ast);
}

export const committed = (file: string): string | null => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null);
