// Every side effect of the loop lives under activities/ (ARCHITECTURE.md §2), one module per
// phase of the loop with the workflow module of the same name (STYLE.md §14), each with its
// statements at its top. Activities run at least once, so each write is keyed by a business key
// with a unique constraint: a retry finds its row and does nothing twice (ARCHITECTURE.md §4).
import { withContext, type ActivityDeps } from './context.js';
import { sandboxAdapters } from './sandbox.js';
import { notify, resendNotification } from './notify.js';
import { effects } from './effects.js';
import { retimeCaseWindow, retimeTask } from './retime.js';
import { retimeAfterCalendarImport } from './calendar-import.js';
import { registration } from './case/registration.js';
import { routing } from './case/routing.js';
import { decision } from './case/decision.js';
import { caseForward } from './case/forward.js';
import { commitment } from './case/commitment.js';
import { revocation } from './case/revocation.js';
import { supervision } from './case/supervision.js';
import { claim } from './task/claim.js';
import { inspection } from './task/inspection.js';
import { feedback } from './task/feedback.js';
import { transfer } from './task/transfer.js';
import { delegation } from './task/delegation.js';
import { rectification } from './task/rectification.js';
import { report } from './report.js';
import { opening } from './notice/opening.js';
import { forwarding } from './notice/forwarding.js';
import { answering } from './notice/answering.js';
import { intake } from './complaint/intake.js';
import { reply } from './complaint/reply.js';
import { retime as complaintRetime } from './complaint/retime.js';
import { forward as complaintForward } from './complaint/forward.js';
import { drawing } from './draw/draw.js';
import { publication } from './draw/publication.js';
import { inspectionTasks } from './draw/tasks.js';

export type { ActivityDeps } from './context.js';
export type { NotifyInput, Recipient } from './notify.js';
export type { MonthlyReportInput, ReportsDue, ReportsDueInput } from './report.js';

export function createActivities(given: ActivityDeps) {
  // Built once: a rehearsal's effects always have the embedded adapters to go to.
  const deps: ActivityDeps = { ...given, sandbox: given.sandbox ?? sandboxAdapters(given.db) };
  return withContext(deps, {
    ...registration,
    ...routing,
    ...decision,
    ...caseForward,
    ...commitment,
    ...revocation,
    ...supervision,
    ...claim,
    ...inspection,
    ...feedback,
    ...rectification,
    ...report,
    ...transfer,
    ...delegation,
    ...opening,
    ...forwarding,
    ...answering,
    ...intake,
    ...reply,
    ...complaintRetime,
    ...complaintForward,
    ...drawing,
    ...publication,
    ...inspectionTasks,
    ...effects,
    notify,
    resendNotification,
    retimeTask,
    retimeCaseWindow,
    retimeAfterCalendarImport,
  });
}

/** What workflows type their activity proxies with (`import type`). */
export type Activities = ReturnType<typeof createActivities>;
