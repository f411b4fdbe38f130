// Files for the document tests, made here rather than kept as binaries: each begins as its type
// does and carries random bytes, so no two tests share one (the store keeps one document per
// department and sha-256).
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const noise = (n: number) => randomBytes(n);

const PDF_HEAD = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
const PDF_TAIL = Buffer.from('\n%%EOF\n');
/** A PDF of `size` bytes (its header, noise, its end marker). */
export const pdfFile = (size = 2048) => Buffer.concat([PDF_HEAD, noise(Math.max(0, size - PDF_HEAD.length - PDF_TAIL.length)), PDF_TAIL]);
export const pngFile = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), noise(512)]);
export const jpegFile = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), noise(512), Buffer.from([0xff, 0xd9])]);

/** A zip of stored (uncompressed) entries, as a zip writer lays it out: local entries, central directory, end record. */
export function zipFile(entries: Array<[name: string, data: Buffer]>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt32LE(crc32(data), 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(n.length, 28);
    entry.writeUInt32LE(offset, 42);
    parts.push(local, n, data);
    central.push(entry, n);
    offset += 30 + n.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** An OFD package (GB/T 33190): OFD.xml at the root, naming its document. */
export const ofdFile = () =>
  zipFile([
    ['OFD.xml', Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`)],
    ['Doc_0/Document.xml', Buffer.from(`<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>`)],
    ['Doc_0/Res/noise.bin', noise(256)],
  ]);

/** A zip that is not an OFD package (a .docx is one too): no OFD.xml at its root. */
export const plainZipFile = () => zipFile([['[Content_Types].xml', Buffer.from('<Types/>')], ['word/document.xml', noise(128)]]);
