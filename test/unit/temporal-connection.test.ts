// Production connection settings come from Temporal's own configuration (@temporalio/envconfig):
// the standard TEMPORAL_* variables, a TOML file and its profiles. mTLS certificates are read
// from their files, an API key (Temporal Cloud) always travels over TLS, and a bad combination
// or a TLS variable Temporal would ignore stops the process, naming the standard one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, projectRoot } from '../../runtime/config.js';
import { connectionOptions } from '../../runtime/temporal.js';

// No developer's ~/.config/temporalio/temporal.toml: HOME points nowhere.
const base = { TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml'), HOME: '/nonexistent' };

function certificates(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sg-tls-'));
  for (const f of ['c.crt', 'c.key', 'ca.crt']) writeFileSync(path.join(dir, f), `-----${f}-----`);
  return dir;
}
type TlsOptions = { address: string; tls: { serverNameOverride: string; serverRootCACertificate: Buffer; clientCertPair: { crt: Buffer; key: Buffer } } };

describe('Temporal connection options', () => {
  it('local dev server: plain address, no TLS', () => {
    expect(connectionOptions(loadConfig(base).temporal)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('self-hosted cluster with mTLS: certificates from files, server name override', () => {
    const dir = certificates();
    const c = loadConfig({ ...base, TEMPORAL_ADDRESS: 'temporal.gov.internal:7233', TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'c.crt'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'c.key'), TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'temporal.gov.internal' });
    const o = connectionOptions(c.temporal) as TlsOptions;
    expect(c.temporal.secured).toBe(true);
    expect(o.address).toBe('temporal.gov.internal:7233');
    expect(o.tls.serverNameOverride).toBe('temporal.gov.internal');
    expect(o.tls.clientCertPair.crt.toString()).toBe('-----c.crt-----');
    expect(o.tls.clientCertPair.key.toString()).toBe('-----c.key-----');
    expect(o.tls.serverRootCACertificate.toString()).toBe('-----ca.crt-----');
  });

  it('Temporal Cloud with an API key: TLS on, key in the options', () => {
    const c = loadConfig({ ...base, TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'my-ns.a1b2c', TEMPORAL_API_KEY: 'key-123' });
    expect(connectionOptions(c.temporal)).toEqual({ address: 'my-ns.a1b2c.tmprl.cloud:7233', apiKey: 'key-123', tls: true });
    expect(c.temporal.namespace).toBe('my-ns.a1b2c');
  });

  it('a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) as the CLI reads it; variables override the profile', () => {
    const dir = certificates();
    const toml = path.join(dir, 'temporal.toml');
    writeFileSync(
      toml,
      [
        '[profile.default]',
        'address = "127.0.0.1:7233"',
        '[profile.prod]',
        'address = "temporal.gov.internal:7233"',
        'namespace = "shenguan-prod"',
        '[profile.prod.tls]',
        `client_cert_path = ${JSON.stringify(path.join(dir, 'c.crt'))}`,
        `client_key_path = ${JSON.stringify(path.join(dir, 'c.key'))}`,
        'server_name = "temporal.gov.internal"',
        '[profile.prod.grpc_meta]',
        'x-tenant = "lyg"',
      ].join('\n'),
    );
    const prod = loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' }).temporal;
    expect(prod).toMatchObject({ address: 'temporal.gov.internal:7233', namespace: 'shenguan-prod', profile: 'prod', metadata: { 'x-tenant': 'lyg' }, secured: true });
    expect((connectionOptions(prod) as TlsOptions).tls.clientCertPair.key.toString()).toBe('-----c.key-----');
    expect(loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }).temporal.namespace).toBe('other');
    expect(loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml }).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', secured: false });
    expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' })).toThrow(/Profile 'staging' not found/);
    writeFileSync(toml, '[profile.default]\nadress = "typo:7233"\n');
    expect(() => loadConfig({ ...base, TEMPORAL_CONFIG_FILE: toml })).toThrow(/unrecognized in profile.default: adress/);
  });

  it('a TLS variable Temporal does not read stops the process and names the standard one', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CERT: '/etc/c.crt' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CERT: '/etc/c.crt' })).toThrow(/TEMPORAL_TLS_CERT: not a Temporal setting; use TEMPORAL_TLS_CLIENT_CERT_PATH/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CA: '/etc/ca.crt' })).toThrow(/use TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CLIENTCERT: 'x' })).toThrow(/the TLS settings are TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toThrow(/does not support it/);
    // A certificate without its key would be dropped by the SDK without a word.
    const dir = certificates();
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'c.crt') })).toThrow(/the client certificate and its key go together/);
    expect(() => loadConfig({ ...base, TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'none.crt'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'c.key') })).toThrow(/ENOENT/);
    expect(loadConfig({ ...base, TEMPORAL_TLS: 'true' }).temporal).toMatchObject({ secured: true });
  });

  it('worker tuning and a pre-built bundle come from configuration', () => {
    const c = loadConfig({ ...base, WORKFLOW_BUNDLE_PATH: '/srv/shenguan/workflow-bundle.js' });
    expect(c.env.WORKFLOW_BUNDLE_PATH).toBe('/srv/shenguan/workflow-bundle.js');
    expect(c.temporal.worker).toMatchObject({ maxCachedWorkflows: 2000, maxConcurrentActivityTaskExecutions: 100, shutdownGraceTime: '10s' });
    expect(() => loadConfig({ ...base, WORKER_METRICS_ADDRESS: 'nine-four-six-four' })).toThrow(ConfigError);
  });
});
