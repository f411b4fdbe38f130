// The verifier remembers a verified token (docs/benchmarks.md): never past the token's exp,
// never for another string, never a failure.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AuthError, createVerifier, signDevToken } from '../../api/auth.js';
import { loadConfig, projectRoot } from '../../runtime/config.js';

// No clock tolerance here: the test is that the cache never outlives exp.
const config = loadConfig({ TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml'), NODE_ENV: 'test', JWT_CLOCK_TOLERANCE_S: '0', JWT_DEV_KEY_FILE: path.join(mkdtempSync(path.join(tmpdir(), 'sg-auth-')), 'jwt.key') });
const principal = { sub: 'supervision:food', role: 'supervision' as const, department: 'D-MARKET', division: 'D-MARKET-FOOD' };

describe('token verification cache', () => {
  it('a remembered token still expires at its exp', async () => {
    const verifier = await createVerifier(config);
    const token = await signDevToken(config, principal, '2s');
    expect(await verifier.verify(token)).toMatchObject(principal);
    expect(await verifier.verify(token)).toMatchObject(principal); // from the cache
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 50));
    await expect(verifier.verify(token)).rejects.toThrow(AuthError);
  });

  it('a token that differs in one character is verified afresh and refused; a refused token is not remembered', async () => {
    const verifier = await createVerifier(config);
    const token = await signDevToken(config, principal);
    await verifier.verify(token);
    const sig = token.slice(token.lastIndexOf('.') + 1);
    const forged = token.slice(0, token.lastIndexOf('.') + 1) + (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    await expect(verifier.verify(forged)).rejects.toThrow(/invalid token/);
    await expect(verifier.verify(forged)).rejects.toThrow(/invalid token/);
    const otherKey = loadConfig({ TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml'), JWT_DEV_KEY_FILE: path.join(mkdtempSync(path.join(tmpdir(), 'sg-auth-')), 'jwt.key') });
    const foreign = await signDevToken(otherKey, principal);
    await expect(verifier.verify(foreign)).rejects.toThrow(/invalid token/);
  });
});
