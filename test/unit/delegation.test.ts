// 委派 (docs/delegation.md): who may be named for a task (the pure rule the API asks), and the
// token claim that tells the division admin (处室负责人) apart.
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { actorOf, createVerifier, signDevToken } from '../../api/auth.js';
import { loadConfig, projectRoot } from '../../runtime/config.js';
import { delegationProblems, minimumOfficers, type OfficerFacts } from '../../workflows/domain/delegation.js';

const target = { departmentCode: 'D', divisionCode: 'D-1', creditCode: '91320700MA1P00010R', today: '2026-12-03', inspectionMethod: '现场检查' };
const officer = (id: string, o: Partial<OfficerFacts> = {}): OfficerFacts => ({ id, departmentCode: 'D', divisionCode: 'D-1', active: true, certificateValidFrom: '2024-01-01', certificateValidUntil: '2030-12-31', ...o });

describe('who may be named for a task', () => {
  it('two certified officers of the division (or of the department with no division): no problem', () => {
    expect(delegationProblems(['a', 'b'], [officer('a'), officer('b', { divisionCode: null })], new Set(), target)).toEqual([]);
  });

  it('names every problem, by officer', () => {
    const found = [officer('a'), officer('x', { departmentCode: 'E' }), officer('y', { divisionCode: 'D-2' }), officer('z', { active: false }), officer('old', { certificateValidUntil: '2026-12-02' }), officer('new', { certificateValidFrom: '2026-12-04' }), officer('kin')];
    const problems = delegationProblems(['a', 'x', 'y', 'z', 'old', 'new', 'kin', 'ghost'], found, new Set(['kin']), target);
    expect(problems).toEqual([
      'x: an officer of E, not of the task\'s department D',
      'y: an officer of division D-2, not of the task\'s division D-1',
      'z: not active in the directory',
      'old: law-enforcement certificate valid 2024-01-01 to 2026-12-02, not through 2026-12-03',
      'new: law-enforcement certificate valid 2026-12-04 to 2030-12-31, not through 2026-12-03',
      'kin: recused (回避) from 91320700MA1P00010R',
      'ghost: not in the inspector directory (执法检查人员名录库)',
    ]);
  });

  it('the certificate must hold through the inspection deadline when the task has one', () => {
    const a = officer('a', { certificateValidUntil: '2026-12-20' });
    expect(delegationProblems(['a', 'b'], [a, officer('b')], new Set(), { ...target, inspectionDueDay: '2026-12-18' })).toEqual([]);
    expect(delegationProblems(['a', 'b'], [a, officer('b')], new Set(), { ...target, inspectionDueDay: '2026-12-21' })).toEqual(['a: law-enforcement certificate valid 2024-01-01 to 2026-12-20, not through 2026-12-21']);
  });

  it('an inspection by law enforcement takes two (行政处罚法 art. 42); a desk review one', () => {
    expect(minimumOfficers('现场检查')).toBe(2);
    expect(minimumOfficers('现场核查')).toBe(2);
    expect(minimumOfficers(null)).toBe(2);
    expect(minimumOfficers('书面审查')).toBe(1);
    expect(minimumOfficers('非现场监管')).toBe(1);
    expect(delegationProblems(['a'], [officer('a')], new Set(), target)).toEqual(['an inspection by law-enforcement officers (现场检查) names at least 2 (行政处罚法 art. 42)']);
    expect(delegationProblems(['a'], [officer('a')], new Set(), { ...target, inspectionMethod: '资料核查' })).toEqual([]);
  });
});

describe('the division admin claim', () => {
  const config = loadConfig({ TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml'), NODE_ENV: 'test', JWT_DEV_KEY_FILE: path.join(mkdtempSync(path.join(tmpdir(), 'sg-dlg-')), 'jwt.key') });

  it('is carried to the actor of a supervision token that names its division', async () => {
    const verifier = await createVerifier(config);
    const p = await verifier.verify(await signDevToken(config, { sub: 'supervision:food-admin', role: 'supervision', department: 'D', division: 'D-1', divisionAdmin: true }));
    expect(actorOf(p)).toEqual({ sub: 'supervision:food-admin', role: 'supervision', department: 'D', division: 'D-1', divisionAdmin: true });
    const staff = await verifier.verify(await signDevToken(config, { sub: 'supervision:food', role: 'supervision', department: 'D', division: 'D-1' }));
    expect(actorOf(staff)).not.toHaveProperty('divisionAdmin');
  });

  it('is refused on a token of another role, or without a division', async () => {
    const verifier = await createVerifier(config);
    await expect(verifier.verify(await signDevToken(config, { sub: 'supervision:head', role: 'supervision', department: 'D', divisionAdmin: true }))).rejects.toThrow(/divisionAdmin: only a supervision token naming its division/);
    await expect(verifier.verify(await signDevToken(config, { sub: 'approval:x', role: 'approval', department: 'A', division: 'A-1', divisionAdmin: true }))).rejects.toThrow(/divisionAdmin/);
  });
});
