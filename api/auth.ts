// Bearer tokens (JWT) with the claims of API.md. Production verifies with a configured public
// key or a JWKS URL; local development signs and verifies with an HMAC key kept under .data/.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { z } from 'zod';
import type { AppConfig } from '../runtime/config.js';
import type { Actor } from '../workflows/contracts.js';
import type { ChangeActor } from '../db/catalog.js';

/** The back office's own people: every route that "all" may read admits these. */
export const ROLES = ['approval', 'supervision', 'regional-admin', 'arbiter', 'operator'] as const;
/**
 * The other supervision platforms (seeds 003 §10, §13) whose results flow back into a task: the
 * provincial 互联网+监管 platform, the market-supervision platform, the law-enforcement platform.
 */
export const RESULT_PLATFORMS = ['internet-plus-supervision', 'market-supervision', 'law-enforcement'] as const;
/** The market regulator's registration system (登记注册系统): it posts registrations (双告知), never results. */
export const REGISTRATION_PLATFORM = 'market-registration';
export const PLATFORMS = [...RESULT_PLATFORMS, REGISTRATION_PLATFORM] as const;
export type Platform = (typeof PLATFORMS)[number];
/** The hotline systems whose tickets become complaints (docs/complaints.md): the citizens' 12345 and the consumers' 12315. */
export const HOTLINES = ['12345', '12315'] as const;
/** A token's roles: the staff's, and two kinds of system, admitted only where a route names them: `platform`, `hotline`. */
export const TOKEN_ROLES = [...ROLES, 'platform', 'hotline'] as const;
export type Role = (typeof TOKEN_ROLES)[number];

const claimsSchema = z
  .object({
    sub: z.string().min(1).max(128),
    role: z.enum(TOKEN_ROLES),
    department: z.string().min(1).max(64).optional(),
    division: z.string().min(1).max(64).optional(),
    region: z.string().min(1).max(16).optional(),
    /** With role platform: which platform it is (one platform cannot post as another). */
    platform: z.enum(PLATFORMS).optional(),
    /** With role hotline: which hotline it is (12345 cannot file a 12315 ticket). */
    hotline: z.enum(HOTLINES).optional(),
    /** 处室负责人: with role supervision and a division, its division admin, who may delegate its tasks (委派, docs/delegation.md). */
    divisionAdmin: z.boolean().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.role === 'platform' && (!c.platform || !c.region)) ctx.addIssue({ code: 'custom', path: ['platform'], message: 'a platform token names its platform and the region it serves' });
    if (c.role !== 'platform' && c.platform) ctx.addIssue({ code: 'custom', path: ['platform'], message: 'only a platform token names a platform' });
    if (c.role === 'hotline' && (!c.hotline || !c.region)) ctx.addIssue({ code: 'custom', path: ['hotline'], message: 'a hotline token names its hotline and the region it serves' });
    if (c.divisionAdmin && (c.role !== 'supervision' || !c.division)) ctx.addIssue({ code: 'custom', path: ['divisionAdmin'], message: 'only a supervision token naming its division names a division admin' });
    if (c.role !== 'hotline' && c.hotline) ctx.addIssue({ code: 'custom', path: ['hotline'], message: 'only a hotline token names a hotline' });
  });

export type Principal = z.infer<typeof claimsSchema>;

export function actorOf(p: Principal): Actor {
  if (p.role === 'hotline') return { sub: p.sub, role: p.role, hotline: p.hotline, region: p.region };
  if (p.role === 'platform') return { sub: p.sub, role: p.role, platform: p.platform, region: p.region, ...(p.department && { department: p.department }) };
  return { sub: p.sub, role: p.role, department: p.department, division: p.division, ...(p.divisionAdmin && { divisionAdmin: true }) };
}

/** The caller as the catalog's change log records it. */
export function changeActorOf(p: Principal): ChangeActor {
  return { sub: p.sub, role: p.role, ...(p.department && { department: p.department }) };
}

export class AuthError extends Error {}

export interface Verifier {
  verify(token: string): Promise<Principal>;
  /** The principal of a token this verifier has verified and still remembers; never verifies. */
  known?(token: string): Principal | undefined;
  /** Forgets the tokens it verified (the app's onClose). */
  close?(): void;
}

const DEV_ALG = 'HS256';
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export async function ensureDevKey(file: string): Promise<void> {
  try {
    await readFile(file);
  } catch {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
}

async function readDevKey(file: string): Promise<Uint8Array> {
  return new TextEncoder().encode((await readFile(file, 'utf8')).trim());
}

export async function createVerifier(config: AppConfig): Promise<Verifier> {
  const e = config.env;
  let key: CryptoKey | Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (e.JWKS_URL) {
    key = createRemoteJWKSet(new URL(e.JWKS_URL));
    algorithms = e.JWT_ALGORITHMS.split(',');
  } else if (e.JWT_PUBLIC_KEY) {
    algorithms = e.JWT_ALGORITHMS.split(',');
    key = await importSPKI(e.JWT_PUBLIC_KEY, algorithms[0]!);
  } else {
    if (e.NODE_ENV === 'production') throw new Error('production needs JWKS_URL or JWT_PUBLIC_KEY');
    await ensureDevKey(e.JWT_DEV_KEY_FILE);
    key = await readDevKey(e.JWT_DEV_KEY_FILE);
    algorithms = [DEV_ALG];
  }
  // A verified token is remembered for up to a minute (never past its exp): a back-office system
  // sends the same token with every call, and the signature check was ~1 ms of CPU each
  // (docs/benchmarks.md). Only successes are kept; a key withdrawn from the JWKS stops its
  // tokens within VERIFIED_TTL_MS.
  const verified = new Map<string, { principal: Principal; until: number }>();
  return {
    async verify(token) {
      const now = Date.now();
      const hit = verified.get(token);
      if (hit && hit.until > now) return hit.principal;
      if (hit) verified.delete(token);
      let payload: { exp?: number } & Record<string, unknown>;
      try {
        // exp is required: a token without one would be good forever.
        const options = { issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, algorithms, requiredClaims: ['exp'], clockTolerance: e.JWT_CLOCK_TOLERANCE_S };
        ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
      } catch (err) {
        throw new AuthError(`invalid token: ${(err as Error).message}`);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new AuthError(`token claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(token, { principal: claims.data, until: Math.min(now + VERIFIED_TTL_MS, payload.exp! * 1000) });
      return claims.data;
    },
    known(token) {
      const hit = verified.get(token);
      return hit && hit.until > Date.now() ? hit.principal : undefined;
    },
    close() {
      verified.clear();
    },
  };
}

/** Signs a token with the local development key (npm run token, tests). */
export async function signDevToken(config: AppConfig, principal: Principal, expiresIn = '12h'): Promise<string> {
  await ensureDevKey(config.env.JWT_DEV_KEY_FILE);
  const key = await readDevKey(config.env.JWT_DEV_KEY_FILE);
  const { sub, ...claims } = principal;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: DEV_ALG })
    .setSubject(sub)
    .setIssuer(config.env.JWT_ISSUER)
    .setAudience(config.env.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}
