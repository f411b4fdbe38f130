// The dossier on a task read (seed 003 §9): what the approval side pushed, so the division can
// supervise — and a 事后核查 division can verify the commitment it must check — without asking
// for the file. Shown only to the task's readers (the route's taskForReader), never on the inbox.
import { z } from 'zod';
import type { CommitmentScenario } from '../../../workflows/contracts.js';
import type { DossierRow } from '../../../db/queries/dossiers.js';
import { actorSchema, commitmentScenario, iso, pick } from '../../schemas.js';
import { documentView, viewOfDocument } from '../documents/view.js';

const dossierDocument = documentView.pick({ documentId: true, sha256: true, mediaType: true, size: true, fileName: true, href: true });

export const dossierView = z
  .object({
    pushedAt: z.string(),
    materials: z
      .array(z.object({ name: z.string(), document: dossierDocument.nullable().describe('the stored file (GET its href for the bytes); null for a material named only') }))
      .describe('the materials (申请材料) as stored: those handed in, then deferred ones as they arrived'),
    decision: z.object({
      outcome: z.string().nullable().describe('approve: a dossier is stored for an approved case only'),
      opinion: z.string().nullable().describe('办理意见'),
      decidedAt: z.string().nullable(),
      decidedBy: actorSchema.nullable(),
    }),
    commitment: z
      .object({ scenario: commitmentScenario, text: z.string().nullable().describe('告知承诺内容: what the applicant committed to') })
      .nullable()
      .describe('null unless the case was decided on the commitment route (告知承诺)'),
    verification: z
      .object({
        checkedAt: z.string(),
        source: z.literal('e-licence').describe('电子证照: the e-licence service the materials were checked against'),
        results: z.array(z.object({ material: z.string(), ok: z.boolean(), licenceNo: z.string().nullable(), reason: z.string().nullable() })),
      })
      .nullable()
      .describe('材料核验: each material checked against e-licences instead of handed in, with the licence that covers it; null when none was checked'),
    applicant: z.object({ creditCode: z.string(), name: z.string() }),
    item: z.object({ code: z.string(), name: z.string().nullable(), subItem: z.string().nullable() }),
  })
  .nullable()
  .describe('the dossier pushed with the task; null if none was stored')
  .meta({ id: 'Dossier' });

export function dossierOfRow(d: DossierRow | undefined): z.infer<typeof dossierView> {
  if (!d) return null;
  return {
    pushedAt: d.pushedAt.toISOString(),
    materials: d.materials.map((m) => ({ name: m.name, document: m.document && pick(dossierDocument, viewOfDocument(m.document)) })),
    decision: { outcome: d.decision, opinion: d.opinion, decidedAt: iso(d.decidedAt), decidedBy: d.decidedBy },
    // The text is kept even when a requested commitment was routed to the standard route; it binds only on the commitment route.
    commitment: d.commitmentScenario ? { scenario: d.commitmentScenario as CommitmentScenario, text: d.commitmentText } : null,
    verification: d.verified
      ? { checkedAt: d.verified.at, source: 'e-licence', results: d.verified.results.map((r) => ({ material: r.material, ok: r.ok, licenceNo: r.licenceNo ?? null, reason: r.reason ?? null })) }
      : null,
    applicant: { creditCode: d.applicantCreditCode, name: d.applicantName },
    item: { code: d.itemCode, name: d.itemName, subItem: d.itemSubItem },
  };
}
