// The two catalogs and how an entry of each is written, the same way by a single POST
// (items.ts) and by a bulk import (import.ts): whole, so a field left out is cleared, not kept
// from before; an approval item gets a new version.
import type { z } from 'zod';
import { upsertApprovalItem, upsertSupervisionItem, type ChangeActor, type Tx } from '../../../db/catalog.js';
import type { ItemTable } from '../../../db/queries/catalog.js';
import { upsertListEntry } from '../../../db/lists.js';
import { approvalItems, jointPunishmentMeasures, leniencyEntries, supervisionItems } from '../../../db/schema/index.js';
import type { Role } from '../../auth.js';
import { approvalItemSchema, jointPunishmentMeasureSchema, leniencyEntrySchema, supervisionItemSchema } from '../../catalog-schemas.js';

export type RowSchema = typeof approvalItemSchema | typeof supervisionItemSchema | typeof leniencyEntrySchema | typeof jointPunishmentMeasureSchema;

export interface Catalog<S extends RowSchema> {
  url: string;
  /** The import route's operationId in the OpenAPI document. */
  operationId: string;
  noun: string;
  /** The side of the department an entry names (`departmentCode`); none: any side. */
  side?: 'approval' | 'supervision';
  schema: S;
  /** Fields listing department codes, or approval / supervision item codes, that must exist. */
  lists?: { departments?: string[]; items?: string[] };
  roles: readonly Role[];
  table: ItemTable;
  write(tx: Tx, item: z.output<S>, actor: ChangeActor): Promise<{ created: boolean; version?: number }>;
}

export function writeApprovalItem(tx: Tx, i: z.output<typeof approvalItemSchema>, actor: ChangeActor): Promise<{ created: boolean; version: number }> {
  return upsertApprovalItem(tx, { ...i, subItem: i.subItem ?? null, commitmentPeriodDays: i.commitmentPeriodDays ?? null, deadlinePolicy: i.deadlinePolicy ?? null }, actor);
}

export function writeSupervisionItem(tx: Tx, i: z.output<typeof supervisionItemSchema>, actor: ChangeActor): Promise<{ created: boolean; version: number }> {
  return upsertSupervisionItem(tx, { ...i, subItem: i.subItem ?? null, divisionCode: i.divisionCode ?? null, inspectionMethod: i.inspectionMethod ?? null, legalBasis: i.legalBasis ?? null, inspectionDays: i.inspectionDays ?? null }, actor);
}

export const approvalCatalog: Catalog<typeof approvalItemSchema> = {
  url: '/v1/approval-items/import',
  operationId: 'importApprovalItems',
  noun: 'approval items',
  side: 'approval',
  schema: approvalItemSchema,
  roles: ['regional-admin', 'approval'],
  table: approvalItems,
  write: writeApprovalItem,
};

export const supervisionCatalog: Catalog<typeof supervisionItemSchema> = {
  url: '/v1/supervision-items/import',
  operationId: 'importSupervisionItems',
  noun: 'supervision items',
  side: 'supervision',
  schema: supervisionItemSchema,
  roles: ['regional-admin', 'supervision'],
  table: supervisionItems,
  write: writeSupervisionItem,
};

export const leniencyCatalog: Catalog<typeof leniencyEntrySchema> = {
  url: '/v1/leniency-entries/import',
  operationId: 'importLeniencyEntries',
  noun: 'inclusive-list entries (包容免罚)',
  side: 'supervision',
  schema: leniencyEntrySchema,
  roles: ['regional-admin', 'supervision'],
  table: leniencyEntries,
  lists: { items: ['itemCodes'] },
  write: (tx, e, actor) => upsertListEntry(tx, 'leniency', e, actor),
};

export const jointPunishmentCatalog: Catalog<typeof jointPunishmentMeasureSchema> = {
  url: '/v1/joint-punishment-measures/import',
  operationId: 'importJointPunishmentMeasures',
  noun: 'joint-punishment measures (联合惩戒)',
  schema: jointPunishmentMeasureSchema,
  roles: ['regional-admin', 'approval', 'supervision'],
  table: jointPunishmentMeasures,
  lists: { departments: ['implementingDepartmentCodes'] },
  write: (tx, m, actor) => upsertListEntry(tx, 'joint-punishment', m, actor),
};
