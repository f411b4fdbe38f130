/**
 * `npm run openapi`: writes docs/openapi.json, the OpenAPI 3.1 document the API serves, and
 * client/schema.d.ts, its TypeScript types (openapi-typescript) for the typed client
 * (client/index.ts). Run it after changing a route's schema and commit both files.
 * `npm run openapi -- --check` writes nothing and exits 1 when either file is out of date.
 * No stack needed: the app is built on services it never calls (scripts/openapi/contract.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLIENT_TYPES_PATH, DOCUMENT_PATH, clientTypesText, committed, documentText, offlineDocument } from './openapi/contract.js';
import { projectRoot } from '../runtime/config.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const document = documentText(await offlineDocument());
const files: Array<[string, string]> = [
  [DOCUMENT_PATH, document],
  [CLIENT_TYPES_PATH, await clientTypesText(document)],
];
let stale = 0;
for (const [file, text] of files) {
  const name = path.relative(projectRoot, file);
  if (committed(file) === text) {
    console.log(`[openapi] ${name} is up to date`);
  } else if (values.check) {
    stale++;
    console.error(`[openapi] ${name} is out of date: run npm run openapi and commit it`);
  } else {
    fs.writeFileSync(file, text);
    console.log(`[openapi] wrote ${name}`);
  }
}
process.exit(stale ? 1 : 0);
