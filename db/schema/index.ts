export * from './organization.js';
export * from './catalog.js';
export * from './cases.js';
export * from './audit.js';
export * from './calendar.js';
export * from './effects.js';
export * from './documents.js';
export * from './reports.js';
