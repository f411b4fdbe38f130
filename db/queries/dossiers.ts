// The dossier pushed to supervision (seed 003 §9: 申请材料、办理意见、告知承诺内容) as a division
// reads it on its task: the materials, the decision and who took it, the commitment, the
// applicant and the item by name. Stored by the decision (activities/case/decision.ts); the
// deferred materials (材料延期) are appended to it when they arrive. A material with a stored
// file comes with the file's metadata (db/queries/documents.ts), never its bytes.
import { and, eq, sql } from 'drizzle-orm';
import { preparedPerDb, type Db } from '../client.js';
import { approvalItemVersions, approvalItems, auditEvents, cases, dossiers, type Actor } from '../schema/index.js';
import { documentsByIds, type DocumentMeta } from './documents.js';
import { pinnedItemName } from './tasks.js';

/** The sub-item (业务办理项) as the case's pinned item version had it, else as it is now. */
const pinnedSubItem = sql<string | null>`coalesce(${approvalItemVersions.snapshot}->'item'->>'subItem', ${approvalItems.subItem})`;

const byApplication = preparedPerDb((db) =>
  db
    .select({
      materials: dossiers.materials,
      opinion: dossiers.opinion,
      commitmentText: dossiers.commitmentText,
      pushedAt: dossiers.createdAt,
      decision: cases.decision,
      decidedAt: cases.decidedAt,
      // The case row keeps when, the trail keeps who: the decision's step names its actor.
      decidedBy: auditEvents.actor,
      // 材料核验: the e-licence check made at registration, as the trail has it.
      verified: sql<VerificationDetail | null>`(select v.detail from ${auditEvents} v where v.event_key = ${cases.applicationNo} || ':materials-verified')`,
      commitmentScenario: cases.commitmentScenario,
      applicantCreditCode: cases.applicantCreditCode,
      applicantName: cases.applicantName,
      itemCode: cases.itemCode,
      itemName: pinnedItemName,
      itemSubItem: pinnedSubItem,
    })
    .from(dossiers)
    .innerJoin(cases, eq(cases.applicationNo, dossiers.applicationNo))
    .leftJoin(approvalItemVersions, and(eq(approvalItemVersions.itemCode, cases.itemCode), eq(approvalItemVersions.version, cases.itemVersion)))
    .leftJoin(approvalItems, eq(approvalItems.code, cases.itemCode))
    .leftJoin(auditEvents, eq(auditEvents.eventKey, sql`${cases.applicationNo} || ':decided'`))
    .where(eq(dossiers.applicationNo, sql.placeholder('no')))
    .prepare('dossier_by_application'),
);

/** The materials-verified step's detail (activities/effects.ts verifyMaterials). */
export interface VerificationDetail {
  at: string;
  allOk: boolean;
  results: Array<{ material: string; ok: boolean; reason?: string; licenceNo?: string }>;
}

export interface DossierRow {
  /** In order: those handed in, then the deferred ones; `document` null for a material named only (or a file no longer kept). */
  materials: Array<{ name: string; document: DocumentMeta | null }>;
  opinion: string | null;
  commitmentText: string | null;
  pushedAt: Date;
  decision: string | null;
  decidedAt: Date | null;
  decidedBy: Actor | null;
  verified: VerificationDetail | null;
  commitmentScenario: string | null;
  applicantCreditCode: string;
  applicantName: string;
  itemCode: string;
  itemName: string | null;
  itemSubItem: string | null;
}

/** The dossier of an approved case; undefined before the decision stored it. */
export async function dossierOf(db: Db, applicationNo: string): Promise<DossierRow | undefined> {
  const [row] = await byApplication(db).execute({ no: applicationNo });
  if (!row) return undefined;
  const files = await documentsByIds(db, [...new Set(row.materials.flatMap((m) => (m.documentId ? [m.documentId] : [])))]);
  return { ...row, materials: row.materials.map((m) => ({ name: m.name, document: (m.documentId && files.get(m.documentId)) || null })) };
}
