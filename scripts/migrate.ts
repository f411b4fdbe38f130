// npm run migrate: applies the committed SQL migrations to DATABASE_URL.
import { runMigrations } from '../db/migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL is not set (npm start sets it for the local server)\n');
  process.exit(78);
}
await runMigrations(url);
process.stdout.write('migrations applied\n');
