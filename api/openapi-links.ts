// The links between operations (OpenAPI link objects): which later call an answer's fields
// feed, e.g. POST /v1/applications → GET /v1/applications/{applicationNo}, a case's tasks →
// the task routes. Generated clients and schemathesis' stateful phase follow them. Declared by
// operationId; addLinks refuses a link to an operation or parameter the document lacks, so a
// renamed route cannot leave one dangling.

type LinkSpec = { operationId: string; parameters: Record<string, string>; description?: string };
type Doc = { paths?: Record<string, Record<string, { operationId?: string; parameters?: Array<{ name: string; in: string }>; responses?: Record<string, { links?: Record<string, unknown> }> }>> };

/** Links from one answer to the operations its field `pointer` (a JSON pointer) names an object of. */
const byField = (pointer: string, param: string, targets: string[]): Record<string, LinkSpec> =>
  Object.fromEntries(targets.map((operationId) => [operationId, { operationId, parameters: { [param]: `$response.body#${pointer}` } }]));

const caseOps = ['getApplication', 'listApplicationEvents', 'verifyApplicationTrail', 'decideApplication', 'receiveMaterials', 'executeRevocation'];
const taskOps = ['getTask', 'claimTask', 'recordInspection', 'recordFeedback', 'recordReinspection'];
const linkageOps = ['confirmLinkage', 'disputeLinkage', 'settleLinkage'];
const tasksOfCase = (pointer: string): Record<string, LinkSpec> => ({ listTasksOfCase: { operationId: 'listTasks', parameters: { 'query.applicationNo': `$response.body#${pointer}` } } });

/** operationId → its success statuses → the links of their answers. */
export const LINKS: Record<string, { statuses: string[]; links: Record<string, LinkSpec> }> = {
  submitApplication: { statuses: ['200', '201'], links: { ...byField('/applicationNo', 'applicationNo', caseOps), ...tasksOfCase('/applicationNo') } },
  listApplications: { statuses: ['200'], links: byField('/items/0/applicationNo', 'applicationNo', caseOps) },
  getApplication: {
    statuses: ['200'],
    links: {
      ...byField('/tasks/0/taskId', 'taskId', taskOps),
      acknowledgeTaskResult: { operationId: 'acknowledgeTaskResult', parameters: { applicationNo: '$response.body#/applicationNo', taskId: '$response.body#/tasks/0/taskId' } },
      getApplicant: { operationId: 'getApplicant', parameters: { creditCode: '$response.body#/applicant/creditCode' } },
    },
  },
  decideApplication: { statuses: ['200'], links: { ...byField('/applicationNo', 'applicationNo', ['getApplication', 'listApplicationEvents', 'executeRevocation']), ...tasksOfCase('/applicationNo') } },
  receiveMaterials: { statuses: ['200'], links: byField('/applicationNo', 'applicationNo', ['getApplication', 'listApplicationEvents']) },
  executeRevocation: { statuses: ['200'], links: byField('/applicationNo', 'applicationNo', ['getApplication', 'listApplicationEvents']) },
  listTasks: { statuses: ['200'], links: { ...byField('/items/0/taskId', 'taskId', taskOps), getApplication: { operationId: 'getApplication', parameters: { applicationNo: '$response.body#/items/0/applicationNo' } } } },
  getTask: {
    statuses: ['200'],
    links: {
      ...byField('/taskId', 'taskId', taskOps.filter((op) => op !== 'getTask')),
      getApplication: { operationId: 'getApplication', parameters: { applicationNo: '$response.body#/applicationNo' } },
      getApplicant: { operationId: 'getApplicant', parameters: { creditCode: '$response.body#/applicantCreditCode' } },
    },
  },
  claimTasks: { statuses: ['200'], links: byField('/results/0/taskId', 'taskId', taskOps) },
  claimTask: { statuses: ['200'], links: byField('/taskId', 'taskId', ['getTask', 'recordInspection']) },
  recordInspection: { statuses: ['200'], links: byField('/taskId', 'taskId', ['getTask', 'recordFeedback']) },
  recordFeedback: { statuses: ['200'], links: { ...byField('/taskId', 'taskId', ['getTask', 'recordReinspection']), getApplication: { operationId: 'getApplication', parameters: { applicationNo: '$response.body#/applicationNo' } } } },
  recordReinspection: { statuses: ['200'], links: { ...byField('/taskId', 'taskId', ['getTask']), getApplication: { operationId: 'getApplication', parameters: { applicationNo: '$response.body#/applicationNo' } } } },
  proposeLinkage: { statuses: ['201'], links: byField('/id', 'id', linkageOps) },
  listLinkages: { statuses: ['200'], links: byField('/items/0/id', 'id', linkageOps) },
  disputeLinkage: { statuses: ['200'], links: byField('/id', 'id', ['settleLinkage']) },
  uploadDocument: { statuses: ['200', '201'], links: byField('/documentId', 'documentId', ['getDocument', 'getDocumentMeta']) },
  listNotifications: { statuses: ['200'], links: byField('/items/0/businessKey', 'businessKey', ['resendNotification']) },
};

/** Adds LINKS to the document's responses; throws on a link to an operation or parameter it does not have. */
export function addLinks<T extends Doc>(doc: T): T {
  const ops = new Map<string, { parameters?: Array<{ name: string; in: string }>; responses?: Record<string, { links?: Record<string, unknown> }> }>();
  for (const item of Object.values(doc.paths ?? {})) for (const op of Object.values(item)) if (op.operationId) ops.set(op.operationId, op);
  for (const [from, { statuses, links }] of Object.entries(LINKS)) {
    const source = ops.get(from);
    if (!source) throw new Error(`OpenAPI links: no operation ${from}`);
    for (const link of Object.values(links)) {
      const target = ops.get(link.operationId);
      if (!target) throw new Error(`OpenAPI links: ${from} links to ${link.operationId}, which the document does not have`);
      for (const p of Object.keys(link.parameters)) {
        const [where, name] = p.includes('.') ? p.split('.', 2) : [undefined, p];
        if (!target.parameters?.some((x) => x.name === name && (!where || x.in === where))) throw new Error(`OpenAPI links: ${link.operationId} has no parameter ${p} (from ${from})`);
      }
    }
    for (const status of statuses) {
      const response = source.responses?.[status];
      if (!response) throw new Error(`OpenAPI links: ${from} has no ${status} response`);
      response.links = links;
    }
  }
  return doc;
}
