// The payload codec (runtime/codec.ts): what it encodes carries no plaintext, decodes to the
// same payload, refuses a tampered ciphertext or an unknown key, and survives a key rotation.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, payloadKeys, parsePayloadKeys } from '../../runtime/codec.js';

const key = (id: string) => ({ id, key: randomBytes(32) });
const applicant = { creditCode: '91350100M000100Y43', name: '连云港海州食品店', phone: '13700000002' };
const payload = () => defaultPayloadConverter.toPayload(applicant);

describe('payload codec', () => {
  it('encrypts: no name or phone in the encoded bytes, and decodes to the same payload', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([payload()]);
    const bytes = Buffer.from(encoded!.data!).toString('latin1') + Buffer.from(encoded!.data!).toString('utf8');
    expect(bytes).not.toContain('13700000002');
    expect(bytes).not.toContain('连云港');
    expect(new TextDecoder().decode(encoded!.metadata!['encryption-key-id'])).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(applicant);
  });

  it('passes through payloads that were never encrypted', async () => {
    const plain = payload();
    expect(await new EncryptionCodec([key('k1')]).decode([plain])).toEqual([plain]);
  });

  it('refuses a tampered ciphertext and an unknown key id', async () => {
    const codec = new EncryptionCodec([key('k1')]);
    const [encoded] = await codec.encode([payload()]);
    const tampered = { ...encoded!, data: Buffer.from(encoded!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([tampered])).rejects.toThrow();
    await expect(new EncryptionCodec([key('k2')]).decode([encoded!])).rejects.toThrow(/unknown key id "k1"/);
  });

  it('rotates: the new key encrypts, the old one still decrypts what it encrypted', async () => {
    const old = key('2026-01');
    const [before] = await new EncryptionCodec([old]).encode([payload()]);
    const rotated = new EncryptionCodec([key('2026-12'), old]);
    expect(rotated.currentKeyId).toBe('2026-12');
    const [after] = await rotated.encode([payload()]);
    expect(new TextDecoder().decode(after!.metadata!['encryption-key-id'])).toBe('2026-12');
    for (const p of [before!, after!]) expect(defaultPayloadConverter.fromPayload((await rotated.decode([p]))[0]!)).toEqual(applicant);
  });

  it('reads PAYLOAD_KEYS, makes one local key file outside production, and refuses production without keys', () => {
    const spec = `a:${randomBytes(32).toString('base64')},b:${randomBytes(32).toString('base64')}`;
    expect(parsePayloadKeys(spec).map((k) => k.id)).toEqual(['a', 'b']);
    expect(() => new EncryptionCodec(parsePayloadKeys('short:AAAA'))).toThrow(/32 bytes/);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sg-keys-')), 'payload-keys');
    const first = payloadKeys({ NODE_ENV: 'development', PAYLOAD_DEV_KEY_FILE: file });
    expect(payloadKeys({ NODE_ENV: 'test', PAYLOAD_DEV_KEY_FILE: file })).toEqual(first);
    expect(readFileSync(file, 'utf8')).toMatch(/^local-[0-9a-f]{8}:/);
    expect(() => payloadKeys({ NODE_ENV: 'production', PAYLOAD_DEV_KEY_FILE: file })).toThrow(/PAYLOAD_KEYS/);
  });
});
