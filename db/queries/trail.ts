// The trail's hash chain (db/migrations/0008_audit_chain.sql), checked in the database by the
// same function that made it, so the check and the chain cannot disagree on the encoding.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents } from '../schema/index.js';

export interface TrailCheck {
  applicationNo: string;
  events: number;
  /** The id of the first event whose link or hash does not match; null when the chain is intact. */
  firstBrokenId: number | null;
}

export async function checkTrail(db: Db, applicationNo: string): Promise<TrailCheck> {
  const [row] = await db.execute<{ events: string; broken: string | null }>(
    sql`select (select count(*) from audit_events where application_no = ${applicationNo}) as events, audit_chain_break(${applicationNo}) as broken`,
  );
  return { applicationNo, events: Number(row!.events), firstBrokenId: row!.broken === null ? null : Number(row!.broken) };
}

/** Every case whose chain is broken, with its first broken event. */
export async function brokenTrails(db: Db): Promise<{ checked: number; broken: TrailCheck[] }> {
  const rows = await db.execute<{ application_no: string; events: string; broken: string | null }>(
    sql`select application_no, count(*) as events, audit_chain_break(application_no) as broken from audit_events group by application_no`,
  );
  const broken = rows.filter((r) => r.broken !== null).map((r) => ({ applicationNo: r.application_no, events: Number(r.events), firstBrokenId: Number(r.broken) }));
  return { checked: rows.length, broken };
}

/** One step of the trail by its business key (e.g. a platform's result record), or undefined. */
export async function stepByKey(db: Db, eventKey: string): Promise<{ taskId: string | null; detail: Record<string, unknown>; at: Date } | undefined> {
  const [row] = await db.select({ taskId: auditEvents.taskId, detail: auditEvents.detail, at: auditEvents.at }).from(auditEvents).where(eq(auditEvents.eventKey, eventKey));
  return row;
}
