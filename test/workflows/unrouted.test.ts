// An approved case with no confirmed linkage waits on the record, and routes by itself at the
// daily re-check even when no signal tells it a linkage was confirmed.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { alerts, cases, linkages, tasks } from '../../db/schema/index.js';
import { upsertApprovalItem, newItemVersion } from '../../db/catalog.js';
import { caseStateQuery, decideUpdate } from '../../workflows/contracts.js';
import type { approvalCase } from '../../workflows/approvalCase.js';
import { approver, caseInput, createTestWorker, useTimeSkippingEnv, database, keepHistory, testDeps, uniqueId, waitFor, DEMO } from '../helpers.js';

const env = useTimeSkippingEnv();

describe('unrouted case', () => {
  it('is re-checked daily and routes without a signal once a linkage is confirmed', async () => {
    const { db } = database();
    const itemCode = uniqueId('UNR');
    const system = { sub: 'test', role: 'system' };
    await db.transaction((tx) => upsertApprovalItem(tx, { code: itemCode, name: '无监管测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: '320700', statutoryDays: 10 }, system));
    const taskQueue = uniqueId('tq');
    const worker = await createTestWorker(env.nativeConnection, taskQueue, testDeps(database()));
    await worker.runUntil(async () => {
      const input = caseInput({ itemCode });
      const handle = await env.client.workflow.start<typeof approvalCase>('approvalCase', { workflowId: `case-${input.applicationNo}`, taskQueue, args: [input] });
      await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
      await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '准予许可', actor: approver }] });
      await waitFor(async () => (await db.select().from(alerts).where(eq(alerts.alertKey, `unrouted:${input.applicationNo}`))).length === 1);
      expect((await handle.query(caseStateQuery)).stage).toBe('unrouted');

      // Confirmed straight in the catalog, with no signal to the case.
      await db.insert(linkages).values({ approvalItemCode: itemCode, supervisionDepartmentCode: DEMO.market, supervisionItemCode: 'JG-FOOD-01', divisionCode: DEMO.marketFoodDivision, status: 'confirmed', proposedBy: 'test', confirmedBy: 'test' });
      await db.transaction((tx) => newItemVersion(tx, itemCode, 'linkage confirmed', system));
      await env.sleep('23 hours');
      expect((await db.select().from(tasks).where(eq(tasks.applicationNo, input.applicationNo)))).toHaveLength(0);

      await env.sleep('2 hours');
      await waitFor(async () => (await db.select().from(tasks).where(eq(tasks.applicationNo, input.applicationNo))).length === 1);
      const [row] = await db.select().from(cases).where(eq(cases.applicationNo, input.applicationNo));
      expect(row!.itemVersion).toBe(2);
      await waitFor(async () => (await db.select().from(alerts).where(eq(alerts.alertKey, `unrouted:${input.applicationNo}`)))[0]?.resolvedAt != null);
      await keepHistory('approvalCase/unrouted-daily-recheck', handle);
    });
  });
});
