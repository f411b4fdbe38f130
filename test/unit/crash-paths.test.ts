// The crash driver's two paths as state machines (scripts/crash/paths.ts): each view of a case
// leads to the request its path takes next, with the body the API expects, and a case that
// leaves its path is an error rather than a silent wait.
import { describe, expect, it } from 'vitest';
import { nextMove, pathOf, PATHS, RECTIFICATION_MS, taskIdOf, type CaseView, type PathName, type Request } from '../../scripts/crash/paths.js';

const caseOf = (path: PathName) => ({ applicationNo: 'CT1-0001', path, taskId: taskIdOf('CT1-0001', path) });
const view = (c: ReturnType<typeof caseOf>, stage: string, task?: { status: string; outcome?: string }, extra: Partial<CaseView> = {}): CaseView => ({
  stage,
  route: PATHS[c.path].route,
  decision: stage === 'awaiting-decision' ? null : 'approve',
  closedAt: null,
  tasks: task ? [{ taskId: c.taskId, status: task.status, outcome: task.outcome ?? null }] : [],
  ...extra,
});
const request = (c: ReturnType<typeof caseOf>, v: CaseView): Request => {
  const next = nextMove(c, v).next;
  if (typeof next === 'string') throw new Error(`expected a request, got ${next}`);
  return next;
};

describe('crash driver paths', () => {
  it('the revocation path: untrue commitment with a deadline ahead, not rectified, revoked by the approver', () => {
    const c = caseOf('revocation');
    expect(c.taskId).toBe('task-CT1-0001.TR-ZJJ');
    expect(PATHS.revocation.submission(c.applicationNo, '91320700X')).toMatchObject({ itemCode: 'TR-BUILD-01', commitment: { scenario: 'post-verification' } });
    expect(request(c, view(c, 'awaiting-decision', undefined, { route: null })).path).toBe('/v1/applications/CT1-0001/decision');
    const feedback = request(c, view(c, 'supervising', { status: 'awaiting-feedback' }));
    const body = feedback.body!() as { result: string; rectificationDeadline: string };
    expect(body.result).toBe('commitment-untrue');
    expect(Date.parse(body.rectificationDeadline) - Date.now()).toBeGreaterThan(RECTIFICATION_MS - 1000);
    expect(nextMove(c, view(c, 'supervising', { status: 'rectifying' })).next).toBe('wait');
    const reinspection = request(c, view(c, 'supervising', { status: 'awaiting-reinspection' }));
    expect([reinspection.path, reinspection.as, reinspection.body!()]).toMatchObject(['/v1/tasks/task-CT1-0001.TR-ZJJ/reinspection', 'inspector', { rectified: false }]);
    const revocation = request(c, view(c, 'revocation-pending', { status: 'closed', outcome: 'revocation-requested' }));
    expect([revocation.path, revocation.as]).toEqual(['/v1/applications/CT1-0001/revocation', 'approver']);
    expect(nextMove(c, view(c, 'revoked', { status: 'closed' })).next).toBe('wait'); // revoked, not yet closed
    const done = nextMove(c, view(c, 'revoked', { status: 'closed' }, { closedAt: '2026-12-03T00:00:00Z' }));
    expect(done).toEqual({ done: [...PATHS.revocation.steps], next: 'finished' });
  });

  it('the compliant path ends closed; a case off its path or route is an error', () => {
    const c = caseOf('compliant');
    expect(request(c, view(c, 'supervising', { status: 'awaiting-feedback' })).body!()).toMatchObject({ result: 'compliant' });
    expect(nextMove(c, view(c, 'closed', { status: 'closed' }, { closedAt: '2026-12-03T00:00:00Z' })).next).toBe('finished');
    expect(() => nextMove(c, view(c, 'revoked', { status: 'closed' }))).toThrow(/expected closed/);
    expect(() => nextMove(c, view(c, 'supervising', { status: 'rectifying' }))).toThrow(/not on the compliant path/);
    const r = caseOf('revocation');
    expect(() => nextMove(r, view(r, 'closed', { status: 'closed' }, { closedAt: '2026-12-03T00:00:00Z' }))).toThrow(/expected revoked/);
    expect(() => nextMove(r, view(r, 'supervising', undefined, { route: 'standard' }))).toThrow(/standard route/);
  });

  it('every k-th case, offset by the seed, takes the revocation path', () => {
    const paths = Array.from({ length: 16 }, (_, i) => pathOf(i, 20261124, 4));
    expect(paths.filter((p) => p === 'revocation')).toHaveLength(4);
    expect(Array.from({ length: 16 }, (_, i) => pathOf(i, 20261125, 4))).not.toEqual(paths);
    expect(Array.from({ length: 16 }, (_, i) => pathOf(i, 7, 0)).every((p) => p === 'compliant')).toBe(true);
  });
});
