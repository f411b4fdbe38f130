// Operators read the case file in the Temporal UI: a browser (Debian's Chromium, driven by
// playwright-core) filters workflows by the applicant's credit code, opens the case and its
// supervision task, and finds the summary and the claim-deadline timer. Every payload and
// summary is encrypted (runtime/codec.ts): the UI reads them through the codec server
// (api/routes/codec.ts), served here on the port npm test gave the dev server's UI.
// Screenshots are kept in test-output/; docs/images/temporal-ui.png, shown in the README, is
// one of them (temporal-ui-case.png: the case's input decoded and its timeline).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { approvalCase } from '../../workflows/approvalCase.js';
import { caseStateQuery, decideUpdate, taskId as taskIdOf } from '../../workflows/contracts.js';
import { projectRoot } from '../../runtime/config.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { approver, caseInput, closeDatabase, createTestWorker, database, testConfig, testDeps, uniqueId, waitFor, DEMO, testClient } from '../helpers.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('ui-tq') });
const uiUrl = process.env.TEMPORAL_UI_URL ?? config.temporal.uiUrl;
const outDir = path.join(projectRoot, 'test-output');
let browser: Browser;
let connection: Connection;
let nativeConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let codecServer: FastifyInstance;

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  worker = await createTestWorker(nativeConnection, config.temporal.taskQueue, { ...testDeps(database()), clock: () => new Date() });
  running = worker.run();
  const codecConfig = testConfig({ CODEC_ALLOW_ANONYMOUS: 'true' });
  codecServer = await buildApp({ config: codecConfig, database: database(), temporal: testClient(connection), verifier: await createVerifier(codecConfig) });
  await codecServer.listen({ host: '127.0.0.1', port: Number(process.env.CODEC_TEST_PORT) });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await mkdir(outDir, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await codecServer?.close();
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await connection?.close();
  await closeDatabase();
});

describe('Temporal UI', () => {
  it('finds a case by credit code and shows its summary and the claim-deadline timer', async () => {
    const client = testClient(connection);
    const input = caseInput();
    const handle = await client.workflow.start<typeof approvalCase>('approvalCase', {
      workflowId: `case-${input.applicationNo}`,
      taskQueue: config.temporal.taskQueue,
      args: [input],
      staticSummary: `食品经营许可: ${input.applicant.creditCode}`,
      searchAttributes: { SgCreditCode: [input.applicant.creditCode], SgApplicationNo: [input.applicationNo] },
    });
    await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'awaiting-decision');
    await handle.executeUpdate(decideUpdate, { args: [{ outcome: 'approve', opinion: '准予许可', actor: approver }] });
    const taskId = taskIdOf(input.applicationNo, DEMO.market);
    await waitFor(async () => (await handle.query(caseStateQuery)).stage === 'supervising');
    // Visibility is eventually consistent: wait until the list query sees both workflows.
    const query = `SgCreditCode="${input.applicant.creditCode}"`;
    await waitFor(async () => {
      let n = 0;
      for await (const _ of client.workflow.list({ query })) n++;
      return n === 2;
    }, 30_000);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(`${uiUrl}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(`case-${input.applicationNo}`).first().waitFor({ timeout: 30_000 });
      await page.getByText(taskId).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(outDir, 'temporal-ui-list.png'), fullPage: true });

      await page.goto(`${uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(`case-${input.applicationNo}`)}`);
      await page.getByText(input.applicant.creditCode).first().waitFor({ timeout: 30_000 });
      // The timeline reads like the case file: each step and timer with its summary.
      await page.getByText(/decision reminder \d{4}-\d{2}-\d{2} 09:00/).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(outDir, 'temporal-ui-case.png'), fullPage: true });
      // The summary given at start and the current details the workflow keeps up to date.
      await page.getByText('User Metadata', { exact: true }).first().click();
      await page.getByText('Current Details').first().waitFor({ timeout: 30_000 });
      // The UI renders summaries and details as markdown in sandboxed frames: read every frame.
      const allText = async () => (await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')))).join('\n');
      await expect.poll(allText, { timeout: 30_000 }).toContain(`食品经营许可: ${input.applicant.creditCode}`);
      await page.screenshot({ path: path.join(outDir, 'temporal-ui-metadata.png'), fullPage: true });
      expect(await allText()).toMatch(/supervising — 1 supervision task\(s\): LYG-SJJ/);

      await page.goto(`${uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(taskId)}`);
      await page.getByText(/claim (reminder|deadline) \d{4}-\d{2}-\d{2}/).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(outDir, 'temporal-ui-task.png'), fullPage: true });
      expect(await page.locator('body').innerText()).toMatch(/claim (reminder|deadline) \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      await page.getByText('User Metadata', { exact: true }).first().click();
      await expect.poll(allText, { timeout: 30_000 }).toMatch(/supervision of .* by LYG-SJJ/);
    } finally {
      await page.close();
    }
  }, 120_000);
});
