// Personal data out of Temporal (issue #24): every workflow and activity payload is encrypted
// with AES-256-GCM before it leaves the process, so the Temporal server, its database and
// anyone with UI access see ciphertext; operators read cases decoded through the codec server
// endpoint (api/routes/codec.ts), which the Temporal UI calls. Keys have ids: the first key
// encrypts, every key decrypts, so a key is rotated by putting the new one first and keeping
// the old one until no history that needs it is retained. The format is the one of the
// Temporal samples' encryption codec (a payload's protobuf encrypted whole; nonce 12 bytes,
// tag 16 bytes; `binary/encrypted` with `encryption-key-id`).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto'; // CommonJS: its namespaces come through the default export

const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const NONCE = 12;
const TAG = 16;
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

export interface PayloadKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('the payload codec needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`payload key ${k.id}: AES-256 needs 32 bytes, got ${k.key.length}`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The id new payloads are encrypted under. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((p) => {
      const nonce = randomBytes(NONCE);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encode(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      // Payloads that were never encrypted (written before the codec, or by a tool) pass through.
      if (!p.metadata || decode(p.metadata[METADATA_ENCODING_KEY] ?? new Uint8Array()) !== ENCRYPTED_ENCODING) return p;
      const keyId = p.metadata[KEY_ID_METADATA] ? decode(p.metadata[KEY_ID_METADATA]) : '';
      const key = this.byId.get(keyId);
      if (!key) throw new ValueError(`payload encrypted under unknown key id "${keyId}"`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE));
      decipher.setAuthTag(data.subarray(data.length - TAG));
      const plain = Buffer.concat([decipher.update(data.subarray(NONCE, data.length - TAG)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** `id:base64key,id:base64key` (the first encrypts). */
export function parsePayloadKeys(spec: string): PayloadKey[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const i = entry.indexOf(':');
      if (i <= 0) throw new Error(`payload key "${entry.slice(0, 12)}…" is not id:base64`);
      return { id: entry.slice(0, i), key: Buffer.from(entry.slice(i + 1), 'base64') };
    });
}

/**
 * The keys of this process: PAYLOAD_KEYS when set; else, outside production, a local key file
 * that the first process creates (`.data/payload-keys`, like the local JWT key), so `npm start`
 * and `npm test` encrypt too. Production without PAYLOAD_KEYS refuses to start.
 */
export function payloadKeys(env: { NODE_ENV: string; PAYLOAD_KEYS?: string; PAYLOAD_DEV_KEY_FILE: string }): PayloadKey[] {
  if (env.PAYLOAD_KEYS) return parsePayloadKeys(env.PAYLOAD_KEYS);
  if (env.NODE_ENV === 'production') throw new Error('production needs PAYLOAD_KEYS (id:base64 of 32 bytes, the first encrypts)');
  const file = env.PAYLOAD_DEV_KEY_FILE;
  try {
    return parsePayloadKeys(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const spec = `local-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
  try {
    writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
  }
  return parsePayloadKeys(readFileSync(file, 'utf8'));
}
