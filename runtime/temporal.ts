import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { TemporalConfig } from './config.js';

/** Connection options for client and worker alike: address, TLS (mTLS) and API key. */
export function connectionOptions(t: TemporalConfig): ConnectionOptions {
  const options: ConnectionOptions = { address: t.address };
  if (t.tls.enabled) {
    options.tls = {
      serverNameOverride: t.tls.serverName,
      serverRootCACertificate: t.tls.serverRootCaPath ? readFileSync(t.tls.serverRootCaPath) : undefined,
      clientCertPair:
        t.tls.clientCertPath && t.tls.clientKeyPath
          ? { crt: readFileSync(t.tls.clientCertPath), key: readFileSync(t.tls.clientKeyPath) }
          : undefined,
    };
  }
  if (t.apiKey) {
    options.apiKey = t.apiKey;
    options.tls ??= true; // Temporal Cloud API keys always travel over TLS
  }
  return options;
}
