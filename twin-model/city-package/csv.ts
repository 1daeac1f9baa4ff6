/**
 * A small strict CSV reader and writer (RFC 4180): comma-separated fields, a header row,
 * records ending in CRLF or LF, fields optionally quoted with `"` (a quoted field may hold
 * commas, line breaks and doubled quotes `""`). A UTF-8 byte-order mark before the header is
 * tolerated (spreadsheet exports write one). Every problem is reported with the line it is on,
 * and reading goes on after it, so one pass lists them all.
 */

/** A problem in the CSV syntax itself (not in the values). */
export interface CsvProblem {
  code:
    | 'csv_encoding'
    | 'csv_quote'
    | 'csv_unterminated_quote'
    | 'csv_field_count'
    | 'csv_blank_line'
    | 'csv_empty'
    | 'csv_duplicate_column';
  /** 1-based physical line the problem is on (where the record starts for field-count problems). */
  line: number;
  message: string;
  /** The offending text, when there is one. */
  value?: string;
}

/** A record and the physical line it starts on (1-based; the header is line 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvTable {
  header: string[];
  /** Data records whose field count matches the header (others are reported and left out). */
  rows: CsvRecord[];
  problems: CsvProblem[];
}

/**
 * Decodes UTF-8 strictly: invalid bytes are a problem (with the line they are on), not a
 * replacement character silently stored in a name. A leading BOM is dropped.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; problem?: CsvProblem } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { text };
  } catch {
    // Find the first bad byte's line: decode leniently and look for U+FFFD.
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const line = at < 0 ? 1 : lenient.slice(0, at).split('\n').length;
    return {
      text: lenient,
      problem: { code: 'csv_encoding', line, message: 'the file is not valid UTF-8 (save it as UTF-8; a byte-order mark is fine)' },
    };
  }
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Parses CSV text (header row first) and reports every syntax problem with its line. */
export function parseCsv(input: string): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const problems: CsvProblem[] = [];
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let recordDone = false;
    let blank = true;
    while (!recordDone) {
      // One field.
      if (i < n && text.charCodeAt(i) === QUOTE) {
        blank = false;
        const quoteLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === QUOTE) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === LF) line++;
          else if (c === CR && text.charCodeAt(i + 1) !== LF) line++;
          field += text[i];
          i++;
        }
        if (!closed) {
          problems.push({
            code: 'csv_unterminated_quote',
            line: quoteLine,
            message: 'a quoted field is never closed (a `"` is missing); the rest of the file is part of it',
          });
          return finish(records, problems);
        }
        // After the closing quote only a comma or the end of the record may follow.
        let stray = '';
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          stray += text[i];
          i++;
        }
        if (stray.length > 0) {
          problems.push({
            code: 'csv_quote',
            line,
            value: stray,
            message: 'text after a closing quote; a quoted field must end at a comma or the end of the line',
          });
          field += stray;
        }
      } else {
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            problems.push({
              code: 'csv_quote',
              line,
              value: `${field}"`,
              message: 'a `"` inside an unquoted field; quote the whole field and double the quote (`""`)',
            });
          }
          field += text[i];
          i++;
        }
        if (field.length > 0) blank = false;
      }
      fields.push(field);
      field = '';
      // Separator or end of record.
      if (i >= n) {
        recordDone = true;
      } else {
        const c = text.charCodeAt(i);
        if (c === COMMA) {
          blank = false;
          i++;
        } else {
          i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
          line++;
          recordDone = true;
        }
      }
    }
    if (blank && fields.length === 1) {
      // A blank line inside the file (a trailing line break at the end is not a record).
      if (i < n || records.length === 0) {
        problems.push({ code: 'csv_blank_line', line: startLine, message: 'a blank line; remove it (every line is a record)' });
      }
      continue;
    }
    records.push({ line: startLine, fields });
  }
  return finish(records, problems);
}

function finish(records: CsvRecord[], problems: CsvProblem[]): CsvTable {
  const [head, ...data] = records;
  if (!head) {
    problems.push({ code: 'csv_empty', line: 1, message: 'the file is empty; it needs at least the header row' });
    return { header: [], rows: [], problems };
  }
  const header = head.fields;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name))
      problems.push({
        code: 'csv_duplicate_column',
        line: head.line,
        value: name,
        message: `column "${name}" appears twice in the header`,
      });
    seen.add(name);
  }
  const rows: CsvRecord[] = [];
  for (const r of data) {
    if (r.fields.length !== header.length) {
      problems.push({
        code: 'csv_field_count',
        line: r.line,
        value: String(r.fields.length),
        message: `the record has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, the header has ${header.length}`,
      });
      continue;
    }
    rows.push(r);
  }
  return { header, rows, problems };
}

/** Quotes a field when RFC 4180 needs it (comma, quote, line break) or it has edge spaces. */
function quoteField(value: string): string {
  if (/[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** Writes CSV with a header row and CRLF line ends (RFC 4180 §2). */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const lines = [header, ...rows].map((r) => r.map(quoteField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
