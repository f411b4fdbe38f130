// npm run verify-trail: recomputes the audit trail's hash chain of every case in DATABASE_URL
// (default: the database of `npm start`) and names each case whose chain is broken, with its
// first broken event; exit 1 if any.
import { createDatabase } from '../db/client.js';
import { brokenTrails } from '../db/queries/trail.js';

const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5433/shenguan';
const database = createDatabase(url, { max: 1 });
try {
  const { checked, broken } = await brokenTrails(database.db);
  for (const b of broken) process.stdout.write(`broken: case ${b.applicationNo}, first broken event id ${b.firstBrokenId} (${b.events} events)\n`);
  process.stdout.write(`${checked} case trail(s) checked, ${broken.length} broken\n`);
  process.exitCode = broken.length > 0 ? 1 : 0;
} finally {
  await database.close();
}
