// What every activity module gets: the dependencies createActivities(deps) is given, as one
// `ctx` (STYLE.md §3), and the binding that turns a module's `(ctx, input)` functions into the
// activities Temporal calls with `input` alone.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/client.js';
import type { SmsAdapter } from './adapters/sms.js';
import type { CreditAdapter } from './adapters/credit.js';
import type { CreditPlatform } from './adapters/credit-platform.js';
import type { ElicenceService } from './adapters/elicence.js';
import type { CalendarSource } from './calendar.js';
import type { HotlineAdapter } from './adapters/hotline.js';

/** The systems we do not own, each behind an adapter. */
export interface Adapters {
  sms: SmsAdapter;
  credit: CreditAdapter;
  creditPlatform: CreditPlatform;
  elicence: ElicenceService;
}

export interface ActivityDeps extends Adapters {
  db: Db;
  /** Where a rehearsal case's effects go (activities/sandbox.ts); the embedded adapters when absent. */
  sandbox?: Adapters;
  calendar: CalendarSource;
  /** The hotlines a complaint's reply goes back to (12345, 12315); the embedded one when absent. */
  hotline?: HotlineAdapter;
  clock: () => Date;
  /** For activities that signal other workflows (re-timing after a calendar import). */
  temporal?: Client;
}

/** The context of an activity: its dependencies, built once by createActivities. */
export type Ctx = ActivityDeps;

type Bound<C, T> = { [K in keyof T]: T[K] extends (ctx: C, input: infer I) => infer R ? (input: I) => R : never };

/**
 * A module's activities with their context bound: each `(ctx, input) => …` becomes
 * `(input) => …`, its types kept, so workflows type their proxies from the result.
 */
export function withContext<C, T extends Record<string, (ctx: C, input: never) => unknown>>(ctx: C, fns: T): Bound<C, T> {
  return Object.fromEntries(Object.entries(fns).map(([name, fn]) => [name, (input: never) => fn(ctx, input)])) as Bound<C, T>;
}
