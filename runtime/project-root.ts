// Where the package is: every default path (temporal.yaml, .data/) is under it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The package's root (package.json, temporal.yaml, .data/): the nearest folder above this
 * module's with a package.json — the same from runtime/project-root.ts and from the compiled
 * dist/runtime/project-root.js (docs/production.md).
 */
export const projectRoot = ((): string => {
  const start = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
})();
