// The one contracts module (STYLE.md §2): every message of the workflows, their argument and
// result types, and the failure types the API maps to HTTP statuses. The API imports these
// definitions from here; it never re-declares a message by name.
export * from './contracts/common.js';
export * from './contracts/case.js';
export * from './contracts/task.js';
export type { ClaimWindow, PolicySnapshot } from './domain/policy.js';
export * from './contracts/notice.js';
export * from './contracts/complaint.js';
export * from './contracts/inspection.js';
