// Production connection settings: mTLS certificates are read from their files, an API key
// (Temporal Cloud) always travels over TLS, and a bad combination stops the process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, projectRoot } from '../../runtime/config.js';
import { connectionOptions } from '../../runtime/temporal.js';

const base = { TEMPORAL_CONFIG: path.join(projectRoot, 'temporal.yaml') };

describe('Temporal connection options', () => {
  it('local dev server: plain address, no TLS', () => {
    expect(connectionOptions(loadConfig(base).temporal)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('self-hosted cluster with mTLS: certificates from files, server name override', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sg-tls-'));
    for (const f of ['c.crt', 'c.key', 'ca.crt']) writeFileSync(path.join(dir, f), `-----${f}-----`);
    const c = loadConfig({ ...base, TEMPORAL_ADDRESS: 'temporal.gov.internal:7233', TEMPORAL_TLS_CERT: path.join(dir, 'c.crt'), TEMPORAL_TLS_KEY: path.join(dir, 'c.key'), TEMPORAL_TLS_CA: path.join(dir, 'ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'temporal.gov.internal' });
    const o = connectionOptions(c.temporal) as { address: string; tls: { serverNameOverride: string; serverRootCACertificate: Buffer; clientCertPair: { crt: Buffer; key: Buffer } } };
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

  it('worker tuning and a pre-built bundle come from configuration', () => {
    const c = loadConfig({ ...base, WORKFLOW_BUNDLE_PATH: '/srv/shenguan/workflow-bundle.js' });
    expect(c.env.WORKFLOW_BUNDLE_PATH).toBe('/srv/shenguan/workflow-bundle.js');
    expect(c.temporal.worker).toMatchObject({ maxCachedWorkflows: 2000, maxConcurrentActivityTaskExecutions: 100, shutdownGraceTime: '10s' });
    expect(() => loadConfig({ ...base, WORKER_METRICS_ADDRESS: 'nine-four-six-four' })).toThrow(ConfigError);
  });
});
