// The files a dossier may hold, told by their bytes (magic numbers), not by what the caller's
// content-type claims: PDF, OFD (版式文档, GB/T 33190 — the Chinese e-government standard, a zip
// package with OFD.xml at its root), JPEG and PNG — scans, signed forms and photos of a site.
// No Office formats, archives or executables, and no application/octet-stream: a caller says
// what it sends, and the bytes must agree.
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'application/ofd', 'image/jpeg', 'image/png'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

export const EXTENSIONS: Record<DocumentMediaType, string> = { 'application/pdf': 'pdf', 'application/ofd': 'ofd', 'image/jpeg': 'jpg', 'image/png': 'png' };
export const KINDS: Record<DocumentMediaType, string> = { 'application/pdf': 'a PDF', 'application/ofd': 'an OFD package (a zip with OFD.xml at its root)', 'image/jpeg': 'a JPEG image', 'image/png': 'a PNG image' };

const startsWith = (bytes: Buffer, signature: readonly number[]) => bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04]; // PK\x03\x04
const ZIP_END = 0x06054b50;
const ZIP_CENTRAL = 0x02014b50;

/**
 * The entry names of a zip's central directory, or null when the bytes are not a zip this can
 * read (no end record, an entry out of bounds, a zip64 archive — never needed under the size limit).
 */
export function zipEntryNames(bytes: Buffer): string[] | null {
  // The end record is the last 22 bytes, or is followed by a comment of up to 65535 bytes.
  for (let end = bytes.length - 22; end >= Math.max(0, bytes.length - 22 - 0xffff); end--) {
    if (bytes.readUInt32LE(end) !== ZIP_END) continue;
    const count = bytes.readUInt16LE(end + 10);
    let at = bytes.readUInt32LE(end + 16);
    if (count === 0xffff || at === 0xffffffff) return null;
    const names: string[] = [];
    for (let n = 0; n < count; n++) {
      if (at + 46 > end || bytes.readUInt32LE(at) !== ZIP_CENTRAL) return null;
      const nameLength = bytes.readUInt16LE(at + 28);
      const next = at + 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
      if (next > end) return null;
      names.push(bytes.toString('utf8', at + 46, at + 46 + nameLength));
      at = next;
    }
    return names;
  }
  return null;
}

/** Whether the bytes are a file of the type: its signature, and for OFD a zip whose root holds OFD.xml. */
export function bytesAre(type: DocumentMediaType, bytes: Buffer): boolean {
  switch (type) {
    case 'application/pdf':
      return startsWith(bytes, PDF);
    case 'image/png':
      return startsWith(bytes, PNG);
    case 'image/jpeg':
      return startsWith(bytes, JPEG);
    case 'application/ofd':
      // Any zip starts PK\x03\x04 (a .docx too): an OFD package is one whose entry file is OFD.xml.
      return startsWith(bytes, ZIP_LOCAL) && (zipEntryNames(bytes)?.some((n) => n.toLowerCase() === 'ofd.xml') ?? false);
  }
}

/** The media type of a content-type header, lowercase and without parameters, if it is one of ours. */
export function documentMediaType(header: string | undefined): DocumentMediaType | undefined {
  const essence = header?.split(';')[0]?.trim().toLowerCase();
  return DOCUMENT_MEDIA_TYPES.find((t) => t === essence);
}
