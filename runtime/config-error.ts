// How a bad configuration value is reported: a ConfigError naming every bad value, which the
// process entries turn into a message and exit code 78 (config.ts loadConfigOrExit).
import type { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}
