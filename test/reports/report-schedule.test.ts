// The monthly 通报's Temporal Schedule, on the dev server: created once at API start (a second
// start finds it and leaves it), firing daily at 09:00 Asia/Shanghai, starting monthlyReports
// on the task queue, never two at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { ensureReportSchedule } from '../../api/report/schedule.js';
import { testClient, testConfig, uniqueId } from '../helpers.js';

const config = testConfig();
let connection: Connection;
const scheduleId = uniqueId('monthly-reports-test');

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
});
afterAll(async () => {
  await testClient(connection).schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await connection?.close();
});

describe('the monthly report schedule', () => {
  it('is created once, daily at 09:00 Asia/Shanghai, starting monthlyReports with overlap skipped', async () => {
    const client = testClient(connection);
    const taskQueue = uniqueId('schedule-tq');
    expect(await ensureReportSchedule(client, taskQueue, scheduleId)).toBe('created');
    expect(await ensureReportSchedule(client, taskQueue, scheduleId)).toBe('exists');
    const d = await client.schedule.getHandle(scheduleId).describe();
    expect(d.spec.timezone).toBe('Asia/Shanghai');
    expect(d.spec.calendars).toMatchObject([{ hour: [{ start: 9, end: 9, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }], dayOfMonth: [{ start: 1, end: 31, step: 1 }] }]);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'monthlyReports', taskQueue, args: [{}] });
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    // The next firing is at 09:00 in Shanghai (01:00 UTC).
    expect(d.info.nextActionTimes[0]!.toISOString()).toMatch(/T01:00:00\.000Z$/);
  });
});
