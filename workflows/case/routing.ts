// Routing (推送 targets): the confirmed linkages of the item, pinned with the case. No case is
// left without a supervisor (seed 004 §5(一)): without one the regional admin and the
// coordinating office are alerted, and the case routes as soon as a linkage is confirmed — told
// by a signal, and re-checked once a day in case a signal is lost.
import { condition, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { run } from '../acts.js';
import { linkagesChangedSignal } from '../contracts.js';
import { send } from '../notices.js';
import type { CaseRun } from './state.js';

export type Linkage = Awaited<ReturnType<Activities['resolveLinkages']>>[number];

export function listenForLinkages(c: CaseRun): void {
  setHandler(linkagesChangedSignal, () => {
    c.linkagesChanged = true;
  });
}

async function waitForLinkage(c: CaseRun): Promise<Linkage[]> {
  const { applicationNo, input } = c;
  const { regionCode } = c.item!;
  c.moveTo('unrouted', `item ${input.itemCode} has no confirmed supervision linkage; alert raised`);
  await run('recordCaseStage', 'unrouted: no confirmed linkage', { applicationNo, step: 'unrouted', stage: 'unrouted', kind: 'unrouted', summary: `no confirmed linkage for item ${input.itemCode}: waiting for one` });
  await run('raiseUnroutedAlert', `alert: case ${applicationNo} has no supervisor`, { applicationNo, itemCode: input.itemCode, regionCode });
  for (const kind of ['regional-admin', 'coordinating-office'] as const) await send(c.notify.unroutedAlert(kind));
  let found: Linkage[] = [];
  while (found.length === 0) {
    // Reset only after waking: a signal that came while the alerts went out is not lost.
    await condition(() => c.linkagesChanged, '24 hours', { summary: `waiting for a confirmed linkage of ${input.itemCode} (re-checked daily)` });
    c.linkagesChanged = false;
    found = await run('resolveLinkages', `confirmed linkages of item ${input.itemCode} now`, { itemCode: input.itemCode, applicationNo, latest: true });
  }
  await run('resolveUnroutedAlert', 'unrouted alert resolved', { applicationNo, departments: found.map((l) => l.departmentCode) });
  return found;
}

/** The linkages the case is pushed along: those pinned with it, else the first confirmed later. */
export async function routeToSupervisors(c: CaseRun): Promise<Linkage[]> {
  const { itemCode } = c.input;
  const links = await run('resolveLinkages', `linkages pinned for item ${itemCode}`, { itemCode, applicationNo: c.applicationNo });
  return links.length > 0 ? links : await waitForLinkage(c);
}
