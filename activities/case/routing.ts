// 分流: the route (standard or 告知承诺) opens the statutory decision window; the linkages pinned
// at the start say which supervisors an approved case goes to, and a case with none raises the
// unrouted alert (无监管兜底) until a linkage is confirmed.
import { eq, sql } from 'drizzle-orm';
import { preparedPerDb } from '../../db/client.js';
import { alerts, approvalItems, cases } from '../../db/schema/index.js';
import { confirmedLinkages } from '../../db/catalog.js';
import { caseTerms } from '../../db/policies.js';
import { computeDeadline } from '../../workflows/domain/deadlines.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Ctx } from '../context.js';
import type { CaseWindow } from '../retime.js';
import { decisionWindow } from '../policy.js';
import { recordStep, writeWithStepOnce } from '../steps.js';

const pinnedLinkages = preparedPerDb((db) =>
  db.select({ applicationNo: cases.applicationNo, pinnedLinkages: cases.pinnedLinkages }).from(cases).where(eq(cases.applicationNo, sql.placeholder('no'))).prepare('case_pinned_linkages'),
);
type RouteValues = { route: string; reason: string; scenario: string | null; dueAt: Date; provisional: boolean; window: { amount: number; unit: 'working-day' | 'minute'; officeTime: string }; now: Date; applicationNo: string };
const routed = writeWithStepOnce<RouteValues>((db, p) =>
  db
    .update(cases)
    .set({ route: p('route'), routeReason: p('reason'), commitmentScenario: p('scenario'), stage: 'awaiting-decision', decisionDueAt: p('dueAt'), decisionDueProvisional: p('provisional'), decisionWindow: p('window'), updatedAt: p('now') })
    .where(eq(cases.applicationNo, p('applicationNo'))),
);

/** Files the route and opens the statutory decision window (the policy's limit, else the item's). */
export async function recordRoute({ db, clock, calendar }: Ctx, input: { applicationNo: string; route: 'standard' | 'commitment'; reason: string; statutoryDays: number; itemCode?: string; scenario?: string; step?: string }) {
  const now = clock();
  const terms = input.itemCode ? await caseTerms(db, input.applicationNo) : null;
  const window = decisionWindow(terms?.policy, input.statutoryDays);
  const due = computeDeadline(await calendar.current(terms?.regionCode ?? null, terms?.calendarVersion), window, now, window.amount, 1);
  await routed(
    db,
    { route: input.route, reason: input.reason, scenario: input.route === 'commitment' ? (input.scenario ?? null) : null, dueAt: new Date(due.dueAt), provisional: due.provisional, window, now, applicationNo: input.applicationNo },
    {
      key: `${input.applicationNo}:${input.step ?? 'routed'}`,
      applicationNo: input.applicationNo,
      kind: 'routed',
      summary: `${input.route} route (${input.reason}); decision due ${formatShanghai(due.dueAt)}, ${due.period}${due.provisional ? ' (provisional)' : ''}`,
      detail: { route: input.route, reason: input.reason, decisionDueAt: due.dueAt, provisional: due.provisional },
    },
    now,
  );
  return { decisionDueAt: due.dueAt, provisional: due.provisional, remindAt: due.remindAt };
}

/**
 * The linkages that route a case: those pinned when it started; with `latest` (an unrouted
 * case trying again) the item's confirmed linkages now, which the case then pins, on the record.
 */
export async function resolveLinkages({ db, clock }: Ctx, input: { itemCode: string; applicationNo?: string; latest?: boolean }) {
  const [c] = input.applicationNo ? await pinnedLinkages(db).execute({ no: input.applicationNo }) : [];
  let links = c?.pinnedLinkages ?? null;
  if (!links || input.latest) {
    links = await confirmedLinkages(db, input.itemCode);
    if (c && input.latest && links.length > 0) {
      const pinned = links;
      const [item] = await db.select({ version: approvalItems.version }).from(approvalItems).where(eq(approvalItems.code, input.itemCode));
      const version = item!.version;
      await db.transaction(async (tx) => {
        await tx.update(cases).set({ pinnedLinkages: pinned, itemVersion: version, updatedAt: clock() }).where(eq(cases.applicationNo, c.applicationNo));
        const summary = `routed by catalog version ${version} of ${input.itemCode}: ${pinned.map((l) => l.departmentCode).join(', ')}`;
        await recordStep(tx, { key: `${c.applicationNo}:repinned:v${version}`, applicationNo: c.applicationNo, kind: 'catalog-version', summary, detail: { itemVersion: version, linkages: pinned } }, clock());
      });
    }
  }
  return links.map((l) => ({ departmentCode: l.departmentCode, divisionCode: l.divisionCode, supervisionItemCode: l.supervisionItemCode ?? undefined }));
}

/**
 * 无监管兜底: an approved case whose item has no confirmed linkage. The regional admin and the
 * coordinating office are told at once, and the case's trail shows it.
 */
export async function raiseUnroutedAlert({ db, clock }: Ctx, input: { applicationNo: string; itemCode: string; regionCode: string }) {
  const now = clock();
  const message = `case ${input.applicationNo} was approved but item ${input.itemCode} has no confirmed supervision linkage: confirm one so the case gets a supervisor`;
  await db.transaction(async (tx) => {
    await tx.insert(alerts).values({ alertKey: `unrouted:${input.applicationNo}`, kind: 'unrouted', regionCode: input.regionCode, applicationNo: input.applicationNo, itemCode: input.itemCode, message, raisedAt: now }).onConflictDoNothing();
    await recordStep(tx, { key: `${input.applicationNo}:unrouted-alert`, applicationNo: input.applicationNo, kind: 'unrouted-alert', summary: `unrouted: alert raised to the regional admin and the coordinating office of ${input.regionCode}`, detail: { itemCode: input.itemCode } }, now);
  });
  return { message };
}

export async function resolveUnroutedAlert({ db, clock }: Ctx, input: { applicationNo: string; departments: string[] }) {
  const now = clock();
  const resolution = `routed to ${input.departments.join(', ')}`;
  await db.transaction(async (tx) => {
    await tx.update(alerts).set({ resolvedAt: now, resolution }).where(eq(alerts.alertKey, `unrouted:${input.applicationNo}`));
    await recordStep(tx, { key: `${input.applicationNo}:unrouted-resolved`, applicationNo: input.applicationNo, kind: 'unrouted-resolved', summary: `unrouted alert resolved: ${resolution}` }, now);
  });
}

/** The decision window after a calendar import: from routing again, with the window the case keeps. */
export const decisionDeadline: CaseWindow = {
  opening: ['routed'],
  label: 'decision deadline',
  due: async (_, c, calendar, opened) => (c.decisionWindow ? computeDeadline(calendar, c.decisionWindow, opened.at, c.decisionWindow.amount, 1) : null),
  columns: (d) => ({ decisionDueAt: new Date(d.dueAt), decisionDueProvisional: d.provisional }),
};

export const routing = { recordRoute, resolveLinkages, raiseUnroutedAlert, resolveUnroutedAlert };
