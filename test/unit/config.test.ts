import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConfigError, loadConfig, projectRoot } from '../../runtime/config.js';

const base = { TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml'), HOME: '/nonexistent' };

function withYaml(edit: (text: string) => string): Record<string, string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-config-'));
  const file = path.join(dir, 'temporal.yaml');
  writeFileSync(file, edit(readFileSync(base.TEMPORAL_CONFIG, 'utf8')));
  return { TEMPORAL_CONFIG: file };
}

describe('configuration', () => {
  it('reads temporal.yaml, and the environment overrides it', () => {
    expect(loadConfig(base).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'shenguan' });
    const c = loadConfig({ ...base, TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'prod', TEMPORAL_API_KEY: 'k', PORT: '8080' });
    expect(c.temporal).toMatchObject({ address: 'temporal.internal:7233', namespace: 'prod', apiKey: 'k', secured: true });
    expect(c.env.PORT).toBe(8080);
    expect(c.temporal.searchAttributes.SgCreditCode).toBe('Keyword');
    // Production unless NODE_ENV says otherwise: a deploy that forgets it gets no dev key.
    expect(loadConfig(base).env.NODE_ENV).toBe('production');
  });

  it('stops on a bad value and names it', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_ADDRESS: 'no-port' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TEMPORAL_ADDRESS: 'no-port' })).toThrow(/address: host:port/);
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/environment: PORT/);
    expect(() => loadConfig({ ...base, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: a postgres:\/\/ URL/);
    // An empty issuer or audience would switch its check off.
    expect(() => loadConfig({ ...base, JWT_ISSUER: '' })).toThrow(/JWT_ISSUER: must not be empty/);
    expect(() => loadConfig({ ...base, JWT_AUDIENCE: '' })).toThrow(/JWT_AUDIENCE: must not be empty/);
    expect(() => loadConfig(withYaml((t) => t.replace('SgStage: Keyword', 'SgStage: Keywrd')))).toThrow(/searchAttributes\.SgStage/);
    // The file registers what the code's typed keys write: a type or a name that drifts stops the process.
    expect(() => loadConfig(withYaml((t) => t.replace('SgStage: Keyword', 'SgStage: Text')))).toThrow(/SgStage is TEXT here, KEYWORD in workflows\/domain\/search-attributes.ts/);
    expect(() => loadConfig(withYaml((t) => t.replace('  SgStage: Keyword\n', '')))).toThrow(/SgStage is missing here/);
    expect(() => loadConfig(withYaml((t) => t.replace('taskQueue: shenguan', 'taskQueue: shenguan\nunknownSetting: 1')))).toThrow(/unknownSetting/);
    // The connection is Temporal's own configuration, no longer temporal.yaml's: an old file says so.
    expect(() => loadConfig(withYaml((t) => t.replace('taskQueue: shenguan', 'taskQueue: shenguan\naddress: 127.0.0.1:7233')))).toThrow(/address/);
    expect(() => loadConfig(withYaml((t) => t.replace('shutdownGraceTime: 10s', 'shutdownGraceTime: ten')))).toThrow(/worker\.shutdownGraceTime/);
  });

  it('refuses an adapter retry budget that outlasts the activity attempt (attempts would overlap)', () => {
    expect(loadConfig({ ...base, ADAPTER_TIMEOUT_MS: '5000', ADAPTER_ATTEMPTS: '3' }).env.ADAPTER_ATTEMPTS).toBe(3);
    expect(() => loadConfig({ ...base, ADAPTER_TIMEOUT_MS: '120000', ADAPTER_ATTEMPTS: '10' })).toThrow(/ADAPTER_TIMEOUT_MS × ADAPTER_ATTEMPTS .* must stay under 25000 ms/);
    expect(() => loadConfig({ ...base, ADAPTER_TIMEOUT_MS: '8000', ADAPTER_ATTEMPTS: '4' })).toThrow(ConfigError);
  });
});
