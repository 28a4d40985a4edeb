/**
 * Columns a ledger scan reads joined into one text value by SQLite, and read back here. better-sqlite3
 * builds a JavaScript value for every column of every row, and that, not SQLite's reading, is most of
 * a scan's cost: about 0.12 us a value against a few hundredths for SQLite to read it (1M calls,
 * measured). A scan therefore selects the number columns as one comma-joined text and the text columns
 * whose values repeat (key, team, user, project, agent, models, status...) as another, separated by
 * the control character U+001F; a page then looks that second text up once a row (call-batch.ts) and
 * splits only the combinations it has not met on the page. A NULL text is joined as the empty string:
 * an empty text in a nullable column reads back as NULL (no attribution is no attribution). A value
 * holding U+001F itself would split wrong: such a row is read again by its id with each value in
 * SQLite's `quote()` form (exact, but SQLite's quoting costs three times the joining).
 * Imported by both sides of the hand-off; it must not import better-sqlite3.
 */

/** A number column's value as joined: NULL as the empty string (`concat_ws` would leave it out). */
export const joinNumbersSql = (columns: readonly string[]): string => `concat_ws(',', ${columns.map((c) => `ifnull(${c}, '')`).join(', ')})`;

export const TEXT_SEPARATOR = '\u001f';

/** Text columns as joined: NULL as the empty string. */
export const joinTextsSql = (columns: readonly string[]): string => `concat_ws(char(31), ${columns.map((c) => `ifnull(${c}, '')`).join(', ')})`;

/** Text columns as the exact re-read joins them: `quote()` writes 'text' with its quotes doubled, and NULL as the bare word NULL. */
export const quoteTextsSql = (columns: readonly string[]): string => columns.map((c) => `quote(${c})`).join(" || ',' || ");

const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const QUOTE = 0x27;

/**
 * The joined numbers of `s` into `out[at + slots[k]]`: integers of up to 15 digits summed here, any
 * other literal (longer, a fraction or an exponent) by Number(). An empty value (NULL) is `ifNull`.
 * SQLite writes an INTEGER's exact digits and a REAL with as many digits as it needs to read back the
 * same double (0.30000000000000004), an infinite one as Inf or -Inf.
 */
export function readJoinedNumbers(s: string, slots: readonly number[], out: Float64Array, at: number, ifNull: (slot: number) => number): void {
  const n = s.length;
  let i = 0;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k]!;
    const from = i;
    let c = s.charCodeAt(i);
    const negative = c === MINUS;
    if (negative) c = s.charCodeAt(++i);
    const digitsFrom = i;
    let v = 0;
    while (c >= ZERO && c <= NINE) {
      v = v * 10 + (c - ZERO);
      c = s.charCodeAt(++i);
    }
    if (i < n && c !== COMMA) {
      // A fraction or an exponent: up to the next comma, as Number() reads it.
      const end = s.indexOf(',', i);
      i = end < 0 ? n : end;
      const literal = s.slice(from, i);
      out[at + slot] = literal === 'Inf' ? Infinity : literal === '-Inf' ? -Infinity : Number(literal);
    } else if (i === from) out[at + slot] = ifNull(slot);
    else out[at + slot] = i - digitsFrom <= 15 ? (negative ? -v : v) : Number(s.slice(from, i));
    i++;
  }
}

/** The values of a `quoteTextsSql` text, in column order: a string, or null for SQL NULL (a number's literal as its text). */
export function readJoinedTexts(s: string, count: number): (string | null)[] {
  const out = new Array<string | null>(count);
  let i = 0;
  for (let k = 0; k < count; k++) {
    if (s.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = s.indexOf("'", from);
        if (q < 0) throw new Error('unterminated quoted value in a joined ledger scan');
        value += s.slice(from, q);
        // A doubled quote is one quote in the value.
        if (s.charCodeAt(q + 1) === QUOTE) {
          value += "'";
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out[k] = value;
    } else {
      const end = s.indexOf(',', i);
      const literal = s.slice(i, end < 0 ? s.length : end);
      out[k] = literal === 'NULL' ? null : literal;
      i = end < 0 ? s.length : end;
    }
    i++; // the comma
  }
  return out;
}
