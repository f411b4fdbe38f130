// The workflow bundle's entry: every workflow type the worker registers.
export { approvalCase } from './approvalCase.js';
export { supervisionTask } from './supervisionTask.js';
export { calendarRetime } from './calendarRetime.js';
export { resendNotification } from './resendNotification.js';
export { monthlyReports, monthlyReport } from './monthlyReport.js';
export { departmentNotice } from './departmentNotice.js';
export { complaintCase } from './complaintCase.js';
export { inspectionDraw, publishInspections, verifyInspectionDraw } from './inspectionDraw.js';
