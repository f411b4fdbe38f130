// A file is what its bytes say (api/routes/documents/media.ts): the signature of each type on
// the allow-list, and for OFD a zip package whose root holds OFD.xml; the download's
// content-disposition keeps a Chinese file name.
import { describe, expect, it } from 'vitest';
import { bytesAre, documentMediaType, zipEntryNames } from '../../api/routes/documents/media.js';
import { contentDisposition } from '../../api/routes/documents/view.js';
import type { DocumentMeta } from '../../db/queries/documents.js';
import { jpegFile, ofdFile, pdfFile, plainZipFile, pngFile, zipFile } from '../document-files.js';

describe('media types by magic bytes', () => {
  it('knows each type on the list by its signature, and no other', () => {
    const files = { 'application/pdf': pdfFile(), 'image/png': pngFile(), 'image/jpeg': jpegFile(), 'application/ofd': ofdFile() } as const;
    for (const [type, bytes] of Object.entries(files)) {
      for (const claimed of Object.keys(files) as Array<keyof typeof files>) expect(bytesAre(claimed, bytes), `${type} as ${claimed}`).toBe(claimed === type);
    }
    expect(bytesAre('application/pdf', Buffer.from('just text, not %PDF-1.7'))).toBe(false);
    expect(bytesAre('application/pdf', Buffer.alloc(0))).toBe(false);
    expect(bytesAre('image/png', pngFile().subarray(0, 7))).toBe(false);
  });

  it('takes a zip for OFD only when OFD.xml is at its root', () => {
    expect(zipEntryNames(ofdFile())).toEqual(['OFD.xml', 'Doc_0/Document.xml', 'Doc_0/Res/noise.bin']);
    expect(bytesAre('application/ofd', plainZipFile())).toBe(false);
    expect(bytesAre('application/ofd', zipFile([['Doc_0/OFD.xml', Buffer.from('<x/>')]]))).toBe(false);
    // A zip cut short (its central directory gone) is not read as one.
    const ofd = ofdFile();
    expect(bytesAre('application/ofd', ofd.subarray(0, ofd.length - 30))).toBe(false);
    expect(zipEntryNames(Buffer.from('PK\x03\x04 and nothing else'))).toBeNull();
  });

  it('reads the media type of a content-type header, parameters and case aside', () => {
    expect(documentMediaType('Application/PDF; charset=binary')).toBe('application/pdf');
    expect(documentMediaType('application/octet-stream')).toBeUndefined();
    expect(documentMediaType(undefined)).toBeUndefined();
  });
});

describe('the download names the file', () => {
  const doc = (fileName: string | null): DocumentMeta => ({ id: '0b9c6e2a-1f3d-4c1e-9a57-6f1f0e4a2b3c', sha256: 'a'.repeat(64), mediaType: 'application/pdf', size: 1, fileName, departmentCode: 'LYG-SPJ', uploadedBy: 'x', createdAt: new Date() });

  it('in UTF-8 (filename*) with an ASCII fallback, quotes and apostrophes escaped', () => {
    expect(contentDisposition(doc('营业执照 (副本).pdf'))).toBe(`attachment; filename="____ (__).pdf"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%28%E5%89%AF%E6%9C%AC%29.pdf`);
    expect(contentDisposition(doc(`a"b'c.pdf`))).toBe(`attachment; filename="a_b'c.pdf"; filename*=UTF-8''a%22b%27c.pdf`);
  });

  it('by its id and type when it was uploaded without a name', () => {
    expect(contentDisposition(doc(null))).toBe(`attachment; filename="0b9c6e2a-1f3d-4c1e-9a57-6f1f0e4a2b3c.pdf"; filename*=UTF-8''0b9c6e2a-1f3d-4c1e-9a57-6f1f0e4a2b3c.pdf`);
  });
});
