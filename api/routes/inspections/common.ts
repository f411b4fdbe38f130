// What the 双随机 route modules share: their tag, problems and roles, and how a single directory
// entry (entities.ts, inspectors.ts) answers the checks its bulk import runs.
import { forbidden, problems, unprocessable } from '../../errors.js';
import type { RowProblem } from '../catalog/import-rows.js';

export const tags = ['random-inspections'];
export const errors = problems(400, 401, 403, 404, 409, 422);
export const readers = ['supervision', 'regional-admin', 'operator'] as const;
export const writers = ['supervision', 'regional-admin'] as const;

/** A single POST is a file of one row: the same checks, the first problem answered. */
export function firstProblem(found: RowProblem[]): void {
  const f = found.find((x) => x.forbidden) ?? found[0];
  if (!f) return;
  if (found.every((x) => x.forbidden)) throw forbidden(f.message);
  throw unprocessable(`${f.field.replace(/^body\./, '')}: ${f.message}`);
}
