import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';

export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

/**
 * drizzle sends every statement it has not been told to `.prepare()` as an unnamed one, and
 * postgres.js answers that with two round trips when the statement has parameters (Parse +
 * Describe to learn the parameter types, then Bind + Execute) and PostgreSQL parses and plans it
 * each time. This hands drizzle a client whose statements are prepared: postgres.js keeps them
 * per connection by their text, so a repeated statement is one round trip and no re-parse
 * (docs/benchmarks.md). Transactions get the same client. `prepare: false` in the options turns
 * it off (e.g. behind a PgBouncer that does not keep prepared statements).
 */
function preparing(sql: postgres.Sql): postgres.Sql {
  type Fn = (...args: unknown[]) => unknown;
  const wrap = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as Fn;
        if (prop === 'unsafe') {
          return (query: string, params?: unknown[], options?: Record<string, unknown>) => fn.call(target, query, params, { ...options, prepare: true });
        }
        if (prop === 'begin' || prop === 'savepoint') {
          // The callback's client (a transaction's connection) prepares too.
          return (...args: unknown[]) => fn.apply(target, args.map((a) => (typeof a === 'function' ? (tx: object) => (a as Fn)(wrap(tx)) : a)));
        }
        return value;
      },
    });
  return wrap(sql);
}

/** One pool per process; callers close it on shutdown. */
export function createDatabase(url: string, options: { max?: number; onQuery?: (query: string) => void; prepare?: boolean } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // For the benchmarks, which count the statements a case costs.
    ...(options.onQuery && { debug: (_conn: number, query: string) => options.onQuery!(query) }),
    onnotice: () => {},
    // timestamptz comes back as Date; everything is stored in UTC.
    connection: { TimeZone: 'UTC' },
  });
  const db = drizzle(options.prepare === false ? sql : preparing(sql), { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
