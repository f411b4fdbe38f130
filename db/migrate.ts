import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDatabase } from './client.js';

// Next to this module in the source tree and in dist/ alike (the build copies the folder).
export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * The advisory lock every starter takes around the migrations: the bytes of "shenguan" as one
 * bigint, fixed so that any two processes of any version agree on it.
 */
export const MIGRATION_LOCK_KEY = 8316008236796174702n;

/**
 * Applies the committed SQL migrations; safe to run on every start, and by several starters at
 * once (two APIs, an API and `npm run migrate`): each waits for the session-level advisory lock,
 * then finds the migrations the first one applied. drizzle's migrator alone would race — both
 * create its journal table, both apply 0000 — so the lock is taken first. One connection (a pool
 * of one) holds the lock, runs the migrator and unlocks; the lock goes with the connection if
 * the process dies meanwhile.
 */
export async function runMigrations(url: string): Promise<void> {
  const database = createDatabase(url, { max: 1 });
  try {
    await database.sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      await migrate(database.db, { migrationsFolder });
    } finally {
      // A failed unlock (the connection gone) must not hide the migrator's error: the lock went with the connection.
      await database.sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`.catch(() => undefined);
    }
  } finally {
    await database.close();
  }
}
