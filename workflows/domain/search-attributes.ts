/**
 * The custom search attributes, as typed keys (@temporalio/common defineSearchAttributeKey):
 * the one list the API's starts, the workflows' upserts and the registration on the namespace
 * (temporal.yaml `searchAttributes`, checked against this list by loadConfig) share, so a name
 * or a type cannot drift between them. Operators filter the Temporal UI by them
 * (`SgCreditCode="…"`). Deterministic: no I/O, safe in workflow code.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const SgApplicationNo = defineSearchAttributeKey('SgApplicationNo', SearchAttributeType.KEYWORD);
export const SgCreditCode = defineSearchAttributeKey('SgCreditCode', SearchAttributeType.KEYWORD);
export const SgItemCode = defineSearchAttributeKey('SgItemCode', SearchAttributeType.KEYWORD);
export const SgRegion = defineSearchAttributeKey('SgRegion', SearchAttributeType.KEYWORD);
export const SgDepartment = defineSearchAttributeKey('SgDepartment', SearchAttributeType.KEYWORD);
export const SgDivision = defineSearchAttributeKey('SgDivision', SearchAttributeType.KEYWORD);
/** The case's or task's stage while it waits (submitted, awaiting-claim, claimed, …). */
export const SgStage = defineSearchAttributeKey('SgStage', SearchAttributeType.KEYWORD);
/** The deadline of the current wait. */
export const SgDueAt = defineSearchAttributeKey('SgDueAt', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTE_KEYS = [SgApplicationNo, SgCreditCode, SgItemCode, SgRegion, SgDepartment, SgDivision, SgStage, SgDueAt] as const;

/** A stage change, and the new wait's deadline when there is one. */
export function stageAttributes(stage: string, dueAt?: string): SearchAttributePair[] {
  return [{ key: SgStage, value: stage }, ...(dueAt ? [{ key: SgDueAt, value: new Date(dueAt) }] : [])];
}
