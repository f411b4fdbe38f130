// The Temporal connection (address, namespace, TLS, API key) comes from Temporal's own
// configuration, as the CLI and every SDK read it; this module resolves it and refuses the
// TEMPORAL_TLS_* names that configuration would silently ignore.
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError } from './config-error.js';

/** Where the local dev server listens, and so where a process looks when nothing says otherwise. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * The connection, as @temporalio/envconfig resolves it from Temporal's standard sources: the
 * TOML file (TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml), its profile
 * (TEMPORAL_PROFILE, else `default`), then the TEMPORAL_* variables over it (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, …,
 * TEMPORAL_GRPC_META_*). The same names Temporal's CLI and every SDK read, so one profile serves
 * the CLI, the worker and the API alike.
 */
export interface TemporalConnection {
  address: string;
  namespace: string;
  apiKey?: string;
  /** Certificates already read from their files (or given inline as *_DATA). */
  tls?: TLSConfig | boolean;
  /** gRPC headers on every call (TEMPORAL_GRPC_META_<NAME>). */
  metadata?: Record<string, string>;
  /** The profile it came from, for messages. */
  profile: string;
}

/**
 * TEMPORAL_TLS_* names that Temporal's configuration does not read: each stops the process
 * naming the standard one (a variable that is silently ignored means no TLS at all). The first
 * four are this project's own former names.
 */
const RENAMED_TEMPORAL_ENV: Record<string, string> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_ENABLED: 'TEMPORAL_TLS',
  TEMPORAL_TLS_CA_CERT_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_SERVER_NAME_OVERRIDE: 'TEMPORAL_TLS_SERVER_NAME',
};
const STANDARD_TLS_ENV = [
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
];

/** Temporal's own connection variables (read by @temporalio/envconfig, as the CLI reads them), for .env.example. */
export const TEMPORAL_CONNECTION_ENV: Record<string, string> = {
  TEMPORAL_CONFIG_FILE: 'the TOML file of profiles (else ~/.config/temporalio/temporal.toml, if there is one)',
  TEMPORAL_PROFILE: 'the profile in it (else `default`)',
  TEMPORAL_ADDRESS: `host:port of the frontend (else the profile's, else ${DEFAULT_TEMPORAL_ADDRESS})`,
  TEMPORAL_NAMESPACE: "the namespace (else the profile's, else `default`)",
  TEMPORAL_API_KEY: 'an API key (Temporal Cloud); turns TLS on',
  TEMPORAL_TLS: 'true / false: TLS on or off',
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'mTLS: the client certificate (or TEMPORAL_TLS_CLIENT_CERT_DATA, the PEM itself)',
  TEMPORAL_TLS_CLIENT_KEY_PATH: 'mTLS: its key (or TEMPORAL_TLS_CLIENT_KEY_DATA)',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: "the server's CA (or TEMPORAL_TLS_SERVER_CA_CERT_DATA)",
  TEMPORAL_TLS_SERVER_NAME: "the name in the server's certificate, when it is not the address's host",
  'TEMPORAL_GRPC_META_<NAME>': 'a gRPC header on every call',
};

/** Refuses every TEMPORAL_TLS_* variable that Temporal's configuration would ignore. */
function checkTemporalTlsNames(environment: NodeJS.ProcessEnv): void {
  const wrong = Object.keys(environment)
    .filter((k) => k.startsWith('TEMPORAL_TLS') && !STANDARD_TLS_ENV.includes(k))
    .map((k) =>
      RENAMED_TEMPORAL_ENV[k]
        ? `environment: ${k}: not a Temporal setting; use ${RENAMED_TEMPORAL_ENV[k]}`
        : k === 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'
          ? `environment: ${k}: the TypeScript SDK does not support it (it would be ignored); set TEMPORAL_TLS_SERVER_NAME to the name in the server's certificate`
          : `environment: ${k}: not a Temporal setting; the TLS settings are ${STANDARD_TLS_ENV.join(', ')}`,
    );
  if (wrong.length) throw new ConfigError(wrong.join('\n'));
}

/** envconfig reads the certificates as Uint8Arrays; the worker's native connection wants Buffers. */
function asBuffers(tls: TLSConfig | boolean | undefined): TLSConfig | boolean | undefined {
  if (!tls || typeof tls !== 'object') return tls;
  const b = (u?: Uint8Array): Buffer | undefined => (u ? Buffer.from(u) : undefined);
  return {
    ...tls,
    serverRootCACertificate: b(tls.serverRootCACertificate),
    clientCertPair: tls.clientCertPair && { crt: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) },
  };
}

/** The connection from Temporal's standard sources (see TemporalConnection); bad files or values are a ConfigError. */
export function temporalConnection(environment: NodeJS.ProcessEnv): TemporalConnection {
  checkTemporalTlsNames(environment);
  const env = Object.fromEntries(Object.entries(environment).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const profileName = env.TEMPORAL_PROFILE || 'default';
  let connect: ReturnType<typeof toClientOptions>;
  try {
    const profile = loadClientConfigProfile({ overrideEnvVars: env, configFileStrict: true });
    // Else the SDK drops the half pair without a word, and the server sees no client certificate.
    if (Boolean(profile.tls?.clientCert) !== Boolean(profile.tls?.clientKey)) throw new Error('tls: the client certificate and its key go together (TEMPORAL_TLS_CLIENT_CERT_* and TEMPORAL_TLS_CLIENT_KEY_*)');
    connect = toClientOptions(profile); // reads the certificate files
  } catch (err) {
    const file = env.TEMPORAL_CONFIG_FILE ?? 'the Temporal config file (~/.config/temporalio/temporal.toml, if any)';
    throw new ConfigError(`Temporal connection (profile ${profileName}, ${file}): ${(err as Error).message}`);
  }
  const o = connect.connectionOptions;
  const address = o.address || DEFAULT_TEMPORAL_ADDRESS;
  if (!/^[^\s:]+:\d+$/.test(address)) throw new ConfigError(`Temporal connection (profile ${profileName}): address: host:port, not ${JSON.stringify(address)}`);
  const tls = asBuffers(o.tls as TLSConfig | boolean | undefined);
  return {
    address,
    namespace: connect.namespace || 'default',
    ...(o.apiKey && { apiKey: o.apiKey }),
    ...(tls !== undefined && { tls }),
    ...(o.metadata && Object.keys(o.metadata).length > 0 && { metadata: o.metadata as Record<string, string> }),
    profile: profileName,
  };
}
