/**
 * CSV as RFC 4180 writes it: comma-separated, fields with a comma, quote or newline quoted, quotes
 * doubled. The reader is a streaming state machine over text chunks (a quoted field may span lines),
 * yielding one record at a time.
 */
export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection). With any
// leading quotes counted too, so that neutralising is undone exactly: a value that already starts with
// quotes before such a character gets one more, and reading back removes one.
const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;

/**
 * A text cell (a client may choose it: a tag, a user, a model name), never read as a formula: one that
 * would be is prefixed with a single quote, inside a quoted field. Numbers go through csvField as they are.
 */
export function csvTextField(v: string | null): string {
  if (v === null || !FORMULA_START.test(v)) return csvField(v);
  return `"'${v.replace(/"/g, '""')}"`;
}

/** A cell as it was before csvTextField neutralised it (one leading quote fewer); any other as it is. */
export function csvTextValue(v: string): string {
  return NEUTRALISED.test(v) ? v.slice(1) : v;
}

export function csvLine(values: (string | number | boolean | null)[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

export async function* csvRecords(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let pendingQuote = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (quoted) {
        if (pendingQuote) {
          pendingQuote = false;
          if (ch === '"') {
            field += '"';
            continue;
          }
          quoted = false;
          afterQuote = true;
        } else if (ch === '"') {
          pendingQuote = true;
          continue;
        } else {
          field += ch;
          continue;
        }
      }
      if (ch === '"' && field === '' && !afterQuote) {
        quoted = true;
      } else if (ch === ',') {
        record.push(field);
        field = '';
        afterQuote = false;
      } else if (ch === '\n') {
        record.push(field.endsWith('\r') && !afterQuote ? field.slice(0, -1) : field);
        if (!(record.length === 1 && record[0] === '')) yield record;
        record = [];
        field = '';
        afterQuote = false;
      } else if (!(ch === '\r' && afterQuote)) {
        field += ch;
      }
    }
  }
  if (pendingQuote) quoted = false;
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field.endsWith('\r') ? field.slice(0, -1) : field);
    yield record;
  }
}
