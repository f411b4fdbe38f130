// Every route module, by subject and behaviour. Each is a FastifyPluginAsyncZod with a full
// schema per route (params, body, every response status, tags), so /openapi.json is complete.
import type { FastifyPluginAsync } from 'fastify';
import service from './service.js';
import submit from './applications/submit.js';
import caseReads from './applications/read.js';
import caseActions from './applications/actions.js';
import caseForward from './applications/forward.js';
import worklist from './applications/list.js';
import taskReads from './tasks/read.js';
import taskActions from './tasks/actions.js';
import externalResults from './tasks/external.js';
import taskDelegation from './tasks/delegation.js';
import organization from './organization.js';
import calendar from './calendar.js';
import calendarRegions from './calendar-regions.js';
import catalogItems from './catalog/items.js';
import linkages from './catalog/linkages.js';
import linkageLifecycle from './catalog/linkage-lifecycle.js';
import alerts from './catalog/alerts.js';
import catalogImport from './catalog/import.js';
import applicants from './applicants.js';
import lists from './catalog/lists.js';
import jointPunishments from './joint-punishments.js';
import notifications from './notifications.js';
import stats from './stats.js';
import reports from './reports.js';
import codec from './codec.js';
import documentUpload from './documents/upload.js';
import documentReads from './documents/read.js';
import noticeReads from './notices/read.js';
import noticeActions from './notices/actions.js';
import registrations from './notices/registrations.js';
import noticeCatalogs from './catalog/notice-catalogs.js';
import noticeCatalogImports from './catalog/notice-imports.js';
import complaintIntake from './complaints/intake.js';
import complaintReads from './complaints/read.js';
import complaintForward from './complaints/forward.js';
import inspectionDirectory from './inspections/directory.js';
import inspectionPlans from './inspections/plans.js';
import inspectionPublication from './inspections/publication.js';
import inspectionStats from './inspections/stats.js';

const routes: FastifyPluginAsync = async (app) => {
  for (const plugin of [service, submit, caseReads, caseActions, caseForward, worklist, taskReads, taskActions, taskDelegation, externalResults, organization, calendar, calendarRegions, catalogItems, linkages, linkageLifecycle, alerts, catalogImport, lists, jointPunishments, applicants, notifications, stats, reports, codec, documentUpload, documentReads, noticeReads, noticeActions, registrations, noticeCatalogs, noticeCatalogImports, complaintIntake, complaintReads, complaintForward, inspectionDirectory, inspectionPlans, inspectionPublication, inspectionStats]) {
    await app.register(plugin);
  }
};

export default routes;
