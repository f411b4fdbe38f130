// npm run token -- --role <role> [--department <code>] [--division <code>] [--region <code>] [--sub <id>] [--expires 12h]
// Prints a bearer token signed with the local development key (.data/dev-jwt.key).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigOrExit } from '../runtime/config.js';
import { ROLES, signDevToken } from '../api/auth.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    department: { type: 'string' },
    division: { type: 'string' },
    region: { type: 'string' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const args = z
  .object({
    role: z.enum(ROLES, { message: `--role must be one of ${ROLES.join(', ')}` }),
    department: z.string().optional(),
    division: z.string().optional(),
    region: z.string().optional(),
    sub: z.string().optional(),
    expires: z.string().regex(/^\d+[smhd]$/, '--expires like 30m, 12h or 7d'),
  })
  .safeParse(values);
if (!args.success) {
  process.stderr.write(`${args.error.issues.map((i) => i.message).join('\n')}\nusage: npm run token -- --role <${ROLES.join('|')}> [--department CODE] [--division CODE] [--region CODE]\n`);
  process.exit(2);
}
const config = loadConfigOrExit();
const a = args.data;
const sub = a.sub ?? `${a.role}:${a.division ?? a.department ?? a.region ?? 'local'}`;
process.stdout.write(`${await signDevToken(config, { sub, role: a.role, department: a.department, division: a.division, region: a.region }, a.expires)}\n`);
