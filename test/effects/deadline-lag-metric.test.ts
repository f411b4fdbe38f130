// The deadline lag (activities/deadline-lag.ts): the activity that marks a deadline missed
// records how late it ran into a histogram of the Temporal SDK's meter, which the worker serves
// with the SDK's own metrics (WORKER_METRICS_ADDRESS) — once per step, never for a retry.
// This file installs the runtime as the worker does (runtime/logger.ts), with the Prometheus
// endpoint, so it does not import test/helpers.ts (which installs one without).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Runtime } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.js';
import { createEmbeddedSms } from '../../activities/adapters/sms.js';
import { createEmbeddedCredit } from '../../activities/adapters/credit.js';
import { createEmbeddedCreditPlatform } from '../../activities/adapters/credit-platform.js';
import { createEmbeddedElicence } from '../../activities/adapters/elicence.js';
import { databaseCalendar } from '../../activities/calendar.js';
import { createDatabase } from '../../db/client.js';
import { installTemporalRuntimeLogger } from '../../runtime/logger.js';
import { findFreePort } from '../../scripts/stack/proc.js';

const database = createDatabase(process.env.DATABASE_URL!, { max: 2 });
let metricsUrl = '';
let now = new Date();
const acts = createActivities({
  db: database.db,
  sms: createEmbeddedSms(database.db),
  credit: createEmbeddedCredit(database.db),
  creditPlatform: createEmbeddedCreditPlatform(database.db),
  elicence: createEmbeddedElicence(database.db),
  calendar: databaseCalendar(database.db),
  clock: () => now,
});

beforeAll(async () => {
  const port = await findFreePort();
  installTemporalRuntimeLogger(pino({ level: 'silent' }), `127.0.0.1:${port}`);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
});
afterAll(async () => {
  await database.close();
});

/** The lag histogram's series of one window: bucket counts by `le`, and the count. */
async function lagSeries(window: string): Promise<{ buckets: Map<string, number>; count: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets = new Map<string, number>();
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('shenguan_deadline_lag_seconds') || !line.includes(`window="${window}"`)) continue;
    const value = Number(line.split(' ').at(-1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith('shenguan_deadline_lag_seconds_bucket') && le) buckets.set(le, value);
    if (line.startsWith('shenguan_deadline_lag_seconds_count')) count = value;
  }
  return { buckets, count };
}

const inActivity = (activityType: string) => new MockActivityEnvironment({ activityType, taskQueue: 'lag-test' }, { metricMeter: Runtime.instance().metricMeter });

describe('deadline lag, from the worker', () => {
  it('records how late a missed claim deadline was marked, once per step, in seconds buckets', async () => {
    const dueAt = new Date(Date.now() - 90_000).toISOString();
    now = new Date(Date.parse(dueAt) + 90_000); // 90 s late
    const input = { taskId: `lag-${randomUUID().slice(0, 8)}`, applicationNo: `lag-${randomUUID().slice(0, 8)}`, claimDueAt: dueAt, notices: [] };
    await inActivity('escalateClaim').run(acts.escalateClaim, input);
    await inActivity('escalateClaim').run(acts.escalateClaim, input); // a retry: the step is on the trail already
    let series = await lagSeries('claim');
    for (let i = 0; i < 20 && series.count === 0; i++) series = await new Promise((r) => setTimeout(r, 100)).then(() => lagSeries('claim'));
    expect(series.count).toBe(1);
    expect(series.buckets.get('60')).toBe(0);
    expect(series.buckets.get('120')).toBe(1);
    expect(series.buckets.get('86400')).toBe(1);
  });

  it('names the window: inspection, feedback and re-inspection deadlines apart', async () => {
    const dueAt = new Date(Date.now() - 3_000).toISOString();
    now = new Date(Date.parse(dueAt) + 3_000);
    const ids = () => ({ taskId: `lag-${randomUUID().slice(0, 8)}`, applicationNo: `lag-${randomUUID().slice(0, 8)}` });
    await inActivity('markInspectionOverdue').run(acts.markInspectionOverdue, { ...ids(), dueAt });
    await inActivity('markFeedbackOverdue').run(acts.markFeedbackOverdue, { ...ids(), feedbackDueAt: dueAt });
    await inActivity('markFeedbackOverdue').run(acts.markFeedbackOverdue, { ...ids(), feedbackDueAt: dueAt, step: 'reinspection-overdue:1' });
    await new Promise((r) => setTimeout(r, 300));
    for (const window of ['inspection', 'feedback', 'reinspection']) {
      const s = await lagSeries(window);
      expect(s.count, window).toBe(1);
      expect(s.buckets.get('2.5'), window).toBe(0);
      expect(s.buckets.get('5'), window).toBe(1);
    }
  });
});
