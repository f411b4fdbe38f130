// npm run verify-draw -- <drawId>: re-runs a recorded 双随机 draw from its seed and population
// snapshot in DATABASE_URL (default: the database of `npm start`), with the same algorithm the
// worker ran (activities/draw/algorithm.ts, docs/random-inspections.md), and says whether the
// snapshot is unchanged and the result the same; exit 1 if not.
// npm run verify-draw -- --snapshot <file> --result-hash <hex>: the same from a snapshot document
// saved from GET /v1/inspection-draws/{id}/snapshot, without the database.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { createDatabase } from '../db/client.js';
import { inspectionDraws } from '../db/schema/index.js';
import { draw, verifyDraw, type Verification } from '../activities/draw/algorithm.js';
import { sha256hex } from '../activities/draw/prng.js';
import { parseSnapshot } from '../activities/draw/snapshot.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { snapshot: { type: 'string' }, 'result-hash': { type: 'string' } } });

async function fromDatabase(drawId: string): Promise<Verification | undefined> {
  const database = createDatabase(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5433/shenguan', { max: 1 });
  try {
    const [d] = await database.db.select().from(inspectionDraws).where(eq(inspectionDraws.drawId, drawId));
    return d && verifyDraw(d);
  } finally {
    await database.close();
  }
}

async function fromFile(file: string, resultHash: string): Promise<Verification> {
  const snapshot = await readFile(file, 'utf8');
  const parsed = parseSnapshot(snapshot);
  return verifyDraw({ snapshot, snapshotHash: sha256hex(snapshot), seed: parsed.seed, resultHash: resultHash || draw(parsed).resultHash });
}

const drawId = positionals[0];
if (!drawId && !values.snapshot) {
  process.stderr.write('usage: npm run verify-draw -- <drawId>  |  npm run verify-draw -- --snapshot <file> --result-hash <hex>\n');
  process.exit(2);
}
const v = values.snapshot ? await fromFile(values.snapshot, values['result-hash'] ?? '') : await fromDatabase(drawId!);
if (!v) {
  process.stderr.write(`draw ${drawId} does not exist\n`);
  process.exit(2);
}
process.stdout.write(`snapshot sha-256 ${v.snapshotHash}\nresult sha-256   ${v.resultHash ?? '(not re-run)'}\n`);
for (const p of v.problems) process.stdout.write(`FAILED: ${p}\n`);
process.stdout.write(v.verified ? 'verified: the re-run gives the recorded result\n' : 'NOT verified\n');
process.exitCode = v.verified ? 0 : 1;
