// Authentication and role checks in one place: every route declares its roles in
// `config.roles`, and this hook verifies the Bearer token (as `req.principal`) and the role.
// It runs in preParsing, after the rate limit's onRequest and before the body is read:
// requests with bad tokens count against the limit too — each failed check costs a signature
// verification, and failures are never cached.
import fp from 'fastify-plugin';
import type { AppConfig } from '../../runtime/config.js';
import { AuthError, createVerifier, type Principal, type Role, type Verifier } from '../auth.js';
import { forbidden, unauthorized } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent means the route is public. */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    verifier: Verifier;
  }
}

/** The token of an `Authorization: Bearer …` header, or undefined. */
export const bearerToken = (header: string | undefined): string | undefined => (header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined);

export default fp<{ config: AppConfig; verifier?: Verifier }>(
  async (app, opts) => {
    const verifier = opts.verifier ?? (await createVerifier(opts.config));
    app.decorate('verifier', verifier);
    if (!opts.verifier) app.addHook('onClose', async () => verifier.close?.());
    app.decorateRequest('principal', undefined as unknown as Principal);

    app.addHook('preParsing', async (req) => {
      const roles = req.routeOptions.config.roles;
      if (!roles) return;
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) throw unauthorized('a Bearer token is required');
      try {
        req.principal = await verifier.verify(token);
      } catch (err) {
        if (err instanceof AuthError) throw unauthorized(err.message);
        throw err;
      }
      if (!roles.includes(req.principal.role)) {
        throw forbidden(`role ${req.principal.role} may not ${req.method} ${req.routeOptions.url}; allowed: ${roles.join(', ')}`);
      }
    });
  },
  { name: 'authentication' },
);
