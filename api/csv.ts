// RFC 4180 CSV, parsed here rather than by a package because an import reports a rejected row
// by the line it starts on, which a quoted cell with line breaks moves away from its row number.
// Accepted: quoted fields with "" for a quote, commas and line breaks inside quotes, CRLF or LF
// (or a lone CR) line ends, a UTF-8 BOM at the start, no line break after the last record.
// Refused with the line: an unterminated quote, a quote inside an unquoted field, and text
// between a closing quote and the next comma.

export class CsvError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

export interface CsvRecord {
  /** 1-based line the record starts on. */
  line: number;
  cells: string[];
}

/**
 * Every record of the text, the header included. An empty line is a record of one empty cell,
 * as RFC 4180 reads it; the caller decides whether that means anything.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  const isLineEnd = (at: number) => text[at] === '\n' || text[at] === '\r';
  /** Steps over one line end (CRLF, LF or CR) at `i`. */
  const skipLineEnd = () => {
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i += 1;
    line += 1;
  };

  const quoted = (): string => {
    const opened = line;
    let cell = '';
    i += 1; // the opening quote
    for (;;) {
      const close = text.indexOf('"', i);
      if (close === -1) throw new CsvError(opened, 'a quoted field is never closed (a " is missing)');
      cell += text.slice(i, close);
      i = close + 1;
      if (text[i] !== '"') break;
      cell += '"'; // "" is an escaped quote
      i += 1;
    }
    line += (cell.match(/\r\n|\n|\r/g) ?? []).length;
    if (i < n && text[i] !== ',' && !isLineEnd(i)) throw new CsvError(line, `unexpected ${JSON.stringify(text[i])} after a closing quote; a quote inside a quoted field is written ""`);
    return cell.replace(/\r\n?/g, '\n');
  };

  const unquoted = (): string => {
    const start = i;
    while (i < n && text[i] !== ',' && !isLineEnd(i)) {
      if (text[i] === '"') throw new CsvError(line, 'a quote inside an unquoted field; quote the whole field and write the quote as ""');
      i += 1;
    }
    return text.slice(start, i);
  };

  while (i < n) {
    const record: CsvRecord = { line, cells: [] };
    for (;;) {
      record.cells.push(text[i] === '"' ? quoted() : unquoted());
      if (text[i] !== ',') break;
      i += 1;
    }
    if (i < n) skipLineEnd();
    records.push(record);
  }
  return records;
}
