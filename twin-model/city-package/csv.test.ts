import { describe, expect, it } from 'vitest';
import { decodeUtf8, formatCsv, parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, numbering records by their first line', () => {
    const table = parseCsv('id,name,note\r\na1,"Hauptstraße, Nord","say ""hi"""\r\na2,"two\r\nlines",x\r\na3,plain,\r\n');
    expect(table.problems).toEqual([]);
    expect(table.header).toEqual(['id', 'name', 'note']);
    expect(table.rows).toEqual([
      { line: 2, fields: ['a1', 'Hauptstraße, Nord', 'say "hi"'] },
      { line: 3, fields: ['a2', 'two\r\nlines', 'x'] },
      { line: 5, fields: ['a3', 'plain', ''] },
    ]);
  });

  it('tolerates a UTF-8 byte-order mark, LF line ends and no final line break', () => {
    const table = parseCsv('\uFEFFid,kind\nrg-1,rain_gauge\nrg-2,rain_gauge');
    expect(table.header).toEqual(['id', 'kind']);
    expect(table.rows.map((r) => r.fields[0])).toEqual(['rg-1', 'rg-2']);
    expect(table.problems).toEqual([]);
  });

  it('reports every syntax problem with its line and keeps reading', () => {
    const text = [
      'id,kind,lng', // 1
      'a,b"c,1', // 2: quote inside an unquoted field
      '"x"y,k,2', // 3: text after the closing quote
      'short,1', // 4: too few fields
      '', // 5: blank line
      'ok,k,3', // 6
      'q,"never closed,4', // 7: unterminated
      'lost,k,5', // 8 (inside the open quote)
    ].join('\n');
    const table = parseCsv(text);
    expect(table.problems.map((p) => [p.code, p.line])).toEqual([
      ['csv_quote', 2],
      ['csv_quote', 3],
      ['csv_blank_line', 5],
      ['csv_unterminated_quote', 7],
      ['csv_field_count', 4],
    ]);
    expect(table.problems[4]!.message).toBe('the record has 2 fields, the header has 3');
    expect(table.rows.map((r) => r.line)).toEqual([2, 3, 6]);
    expect(table.rows[0]!.fields).toEqual(['a', 'b"c', '1']);
  });

  it('reports an empty file and a repeated column', () => {
    expect(parseCsv('').problems.map((p) => p.code)).toEqual(['csv_empty']);
    expect(parseCsv('id,id\n1,2\n').problems.map((p) => [p.code, p.value])).toEqual([['csv_duplicate_column', 'id']]);
  });
});

describe('decodeUtf8', () => {
  it('refuses invalid UTF-8 with the line of the first bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('id,name\nok,fine\nbad,'), 0xc3, 0x28, 0x0a]);
    const { problem } = decodeUtf8(bytes);
    expect(problem).toMatchObject({ code: 'csv_encoding', line: 3 });
    expect(decodeUtf8(new TextEncoder().encode('\uFEFFid\n')).text).toBe('id\n');
  });
});

describe('formatCsv', () => {
  it('quotes only what needs quoting and reads back the same', () => {
    const rows = [
      ['a', 'x,y', 'say "hi"'],
      ['b', 'two\nlines', ' padded '],
      ['c', '', '汉字'],
    ];
    const text = formatCsv(['id', 'v', 'w'], rows);
    expect(text.split('\r\n')[1]).toBe('a,"x,y","say ""hi"""');
    const back = parseCsv(text);
    expect(back.problems).toEqual([]);
    expect(back.rows.map((r) => r.fields)).toEqual(rows);
  });
});
