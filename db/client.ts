import postgres from 'postgres';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { DrizzleQueryError, sql as statement } from 'drizzle-orm';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';

/** The drizzle database, with the postgres.js client it sends through (`$client`). */
export type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

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
 *
 * `onQuery` sees each statement drizzle sends (and a transaction's BEGIN and COMMIT). It is
 * counted here rather than through postgres.js's `debug` hook: with `debug` set, postgres.js
 * builds an `Error` (a stack trace) for every query, which made the counted side of a benchmark
 * dearer than the side it is compared with.
 */
function wrapClient(sql: postgres.Sql, prepare: boolean, onQuery?: (query: string) => void): postgres.Sql {
  type Fn = (...args: unknown[]) => unknown;
  const wrap = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as Fn;
        if (prop === 'unsafe') {
          return (query: string, params?: unknown[], options?: Record<string, unknown>) => {
            onQuery?.(query);
            return statementSpans(fn.call(target, query, params, prepare ? { ...options, prepare: true } : options) as postgres.PendingQuery<postgres.Row[]>, query);
          };
        }
        if (prop === 'begin' || prop === 'savepoint') {
          // The callback's client (a transaction's connection) prepares and counts too.
          return (...args: unknown[]) => {
            if (prop === 'begin') onQuery?.('begin');
            const r = fn.apply(target, args.map((a) => (typeof a === 'function' ? (tx: object) => (a as Fn)(wrap(tx)) : a)));
            if (prop === 'begin' && onQuery) void (r as Promise<unknown>).then(() => onQuery('commit'), () => onQuery('rollback'));
            return r;
          };
        }
        return value;
      },
    });
  return wrap(sql);
}

const sqlTracer = trace.getTracer('shenguan-db');

/**
 * The statement's execution in a span of its own (runtime/tracing.ts), a child of whatever is
 * active (the HTTP request, the activity): its text and verb, never its parameters (they are
 * names, phones and credit codes). postgres.js runs a query when it is first awaited (after
 * drizzle has chosen `.values()` or not), so the span starts there, not here. Outside a
 * recorded span (tracing off) the query is handed back untouched.
 */
function statementSpans<T extends postgres.PendingQuery<postgres.Row[]>>(q: T, statement: string): T {
  // Only inside a recorded trace (a request, an activity): no root spans of lone statements, and
  // nothing at all to do while tracing is off.
  if (!trace.getSpan(context.active())?.isRecording()) return q;
  const then = q.then.bind(q) as (f?: (v: unknown) => unknown, r?: (e: unknown) => unknown) => Promise<unknown>;
  let span: ReturnType<typeof sqlTracer.startSpan> | undefined;
  const end = (err?: unknown): void => {
    if (!span?.isRecording()) return;
    if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: (err as { code?: string }).code ?? 'failed' });
    span.end();
  };
  (q as { then: unknown }).then = (onValue?: (v: unknown) => unknown, onError?: (e: unknown) => unknown) => {
    const verb = /^\s*(\w+)/.exec(statement)?.[1]?.toLowerCase() ?? 'sql';
    span ??= sqlTracer.startSpan(`SQL ${verb}`, { attributes: { 'db.system': 'postgresql', 'db.operation': verb, 'db.statement': statement.slice(0, 2000) } });
    return then(
      (v) => (end(), onValue ? onValue(v) : v),
      (e) => {
        end(e);
        if (onError) return onError(e);
        throw e;
      },
    );
  };
  return q;
}

/**
 * Queries drizzle builds once per database (`.prepare(name)` with `sql.placeholder`s; postgres.js
 * prepares them by their text): each `execute(values)` skips drizzle's building of the statement, which
 * costs ~0.1–0.2 ms of CPU — as much as sending it (docs/benchmarks.md). For the lookups every
 * case or request makes.
 */
export function preparedPerDb<T>(make: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let q = built.get(db);
    if (!q) built.set(db, (q = make(db)));
    return q;
  };
}

/** Whether the database answers a trivial statement (readiness). */
export function databaseReachable(db: Db): Promise<boolean> {
  return db.execute(statement`select 1`).then(
    () => true,
    () => false,
  );
}

/** One pool per process; callers close it on shutdown. */
export function createDatabase(url: string, options: { max?: number; onQuery?: (query: string) => void; prepare?: boolean } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // timestamptz comes back as Date; everything is stored in UTC.
    connection: { TimeZone: 'UTC' },
  });
  const prepare = options.prepare !== false;
  const db = drizzle(prepare || options.onQuery ? wrapClient(sql, prepare, options.onQuery) : sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * drizzle reports a failed statement as `Failed query: <sql>\nparams: <values>` — the values are
 * an applicant's name, phone and credit code, which must not reach a log line or, through an
 * activity's failure, the Temporal history and UI. This keeps the statement and the cause (the
 * postgres.js error: its code and message name no values) and drops the values; any other
 * error is returned as it is.
 */
/**
 * A conditional write found its row no longer in the state the caller read (another request
 * changed it first): the caller's action lost the race and is answered 409, never applied on
 * top of a state it did not see.
 */
export class ConcurrentChange extends Error {
  override name = 'ConcurrentChange';
}

export function withoutQueryParameters(err: unknown): unknown {
  if (!(err instanceof DrizzleQueryError)) return err;
  const redacted = new Error(`Failed query: ${err.query}`, { cause: err.cause });
  redacted.name = 'QueryError';
  if (redacted.stack && err.stack) redacted.stack = `${redacted.name}: ${redacted.message}\n${err.stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n')}`;
  return redacted;
}
