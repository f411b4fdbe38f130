// The CSV reader of the catalog import: RFC 4180 quoting, both line ends, the BOM spreadsheets
// write, and refusals that name the line a person has to fix.
import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv } from '../../api/csv.js';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe('parseCsv', () => {
  it('reads plain records with LF or CRLF line ends, with or without a final line break', () => {
    expect(cells('a,b\n1,2\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(cells('a,b\r\n1,2\r\n3,4')).toEqual([['a', 'b'], ['1', '2'], ['3', '4']]);
    expect(cells('a,b\r1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(cells('')).toEqual([]);
  });

  it('keeps empty cells, a trailing comma, and reads an empty line as one empty cell', () => {
    expect(cells('a,,c,\n\n,')).toEqual([['a', '', 'c', ''], [''], ['', '']]);
  });

  it('reads quoted cells with commas, escaped quotes and line breaks, and counts lines across them', () => {
    const records = parseCsv('code,name\r\nA,"食品经营许可，含""网络""经营, 新办"\r\nB,"第一行\r\n第二行\n第三行"\r\nC,""\r\n');
    expect(records).toEqual([
      { line: 1, cells: ['code', 'name'] },
      { line: 2, cells: ['A', '食品经营许可，含"网络"经营, 新办'] },
      { line: 3, cells: ['B', '第一行\n第二行\n第三行'] },
      { line: 6, cells: ['C', ''] },
    ]);
  });

  it('drops a UTF-8 BOM at the start and nowhere else', () => {
    expect(cells('\uFEFFcode,name\nA,\uFEFFx')).toEqual([['code', 'name'], ['A', '\uFEFFx']]);
    expect(cells('\uFEFF"code"\n')).toEqual([['code']]);
  });

  it('refuses an unterminated quote, naming the line it opens on', () => {
    const err = (() => {
      try {
        parseCsv('code,name\nA,ok\nB,"never closed\nC,x\n');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CsvError);
    expect((err as CsvError).line).toBe(3);
    expect((err as CsvError).message).toMatch(/^line 3: a quoted field is never closed/);
  });

  it('refuses a quote inside an unquoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,b\nx,5"" long\n')).toThrow(/^line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('a,b\n"x\ny"z,1\n')).toThrow(/^line 3: unexpected "z" after a closing quote/);
  });
});
