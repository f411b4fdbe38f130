// npm run token -- --role <role> [--department <code>] [--division <code> [--division-admin]] [--region <code>] [--platform <id>] [--sub <id>] [--expires 12h]
// A platform's token: --role platform --platform market-supervision --region 320700 [--department LYG-SJJ].
// A division admin's (处室负责人, who may delegate tasks: docs/delegation.md): --role supervision --department LYG-SJJ --division LYG-SJJ-SPJY --division-admin.
// A hotline's token: --role hotline --hotline 12345 --region 320700.
// Prints a bearer token signed with the local development key (.data/dev-jwt.key).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfigOrExit } from '../runtime/config.js';
import { HOTLINES, PLATFORMS, TOKEN_ROLES, signDevToken } from '../api/auth.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    department: { type: 'string' },
    division: { type: 'string' },
    region: { type: 'string' },
    platform: { type: 'string' },
    hotline: { type: 'string' },
    'division-admin': { type: 'boolean' },
    sub: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const args = z
  .object({
    role: z.enum(TOKEN_ROLES, { message: `--role must be one of ${TOKEN_ROLES.join(', ')}` }),
    department: z.string().optional(),
    division: z.string().optional(),
    region: z.string().optional(),
    platform: z.enum(PLATFORMS, { message: `--platform must be one of ${PLATFORMS.join(', ')}` }).optional(),
    hotline: z.enum(HOTLINES, { message: `--hotline must be one of ${HOTLINES.join(', ')}` }).optional(),
    'division-admin': z.boolean().optional(),
    sub: z.string().optional(),
    expires: z.string().regex(/^\d+[smhd]$/, '--expires like 30m, 12h or 7d'),
  })
  .refine((a) => (a.role === 'platform') === Boolean(a.platform) && (a.role !== 'platform' || a.region), { message: '--role platform goes with --platform <id> and --region <code>, and --platform only with it' })
  .refine((a) => !a['division-admin'] || (a.role === 'supervision' && a.division), { message: '--division-admin goes with --role supervision and --division <code>' })
  .refine((a) => (a.role === 'hotline') === Boolean(a.hotline) && (a.role !== 'hotline' || a.region), { message: '--role hotline goes with --hotline <12345|12315> and --region <code>, and --hotline only with it' })
  .safeParse(values);
if (!args.success) {
  process.stderr.write(`${args.error.issues.map((i) => i.message).join('\n')}\nusage: npm run token -- --role <${TOKEN_ROLES.join('|')}> [--department CODE] [--division CODE [--division-admin]] [--region CODE] [--platform ${PLATFORMS.join('|')}]\n`);
  process.exit(2);
}
const config = loadConfigOrExit();
const a = args.data;
const admin = a['division-admin'] === true;
const sub = a.sub ?? `${a.role}:${a.platform ?? a.hotline ?? a.division ?? a.department ?? a.region ?? 'local'}${admin ? ':admin' : ''}`;
process.stdout.write(`${await signDevToken(config, { sub, role: a.role, department: a.department, division: a.division, region: a.region, platform: a.platform, hotline: a.hotline, ...(admin && { divisionAdmin: true }) }, a.expires)}\n`);
