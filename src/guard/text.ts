/**
 * Text normalisation for the run guard, in one pass over the characters and without building strings
 * on the hot path: words are lowercased, punctuation and whitespace separate them, and any token that
 * carries a digit (numbers, ids, uuids, timestamps, hashes) or is very long (base64, blobs) becomes one
 * placeholder, with runs of placeholders collapsed. So "job 4f2a-91 at 10:32:07" and "job 77c1-02 at
 * 11:02:44" read the same. `normaliseText` applies the same rules and returns a string (for tests and
 * evidence); `readWordHashes` returns word hashes and is what the guard runs per call.
 */

/** The placeholder that replaces numbers, ids, uuids and timestamps. */
export const PLACEHOLDER = '#';
/** Tokens longer than this are blobs (base64, minified code), not words. */
const MAX_WORD = 40;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const PLACEHOLDER_HASH = fnvString(PLACEHOLDER) | 0;

/** 32-bit FNV-1a of a string (already normalised), as a signed 32-bit integer like readWordHashes writes. */
export function fnvString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h | 0;
}

/**
 * WORD[c] is the lowercased character for word characters and 0 for separators, for the whole BMP
 * (one table built once: a lookup is much cheaper than the branches it replaces); digits also carry
 * DIGIT. Word characters are ASCII letters, digits and `_`, and non-ASCII letters (anything from
 * U+00C0 up, except the general-punctuation and CJK-punctuation blocks; astral characters count as
 * letters).
 */
const DIGIT = 0x10000;
const CHAR = 0xffff;
const WORD = new Int32Array(65_536);
for (let c = 0; c < 65_536; c++) {
  if (c >= 65 && c <= 90) WORD[c] = c + 32;
  else if ((c >= 97 && c <= 122) || c === 95) WORD[c] = c;
  else if (c >= 48 && c <= 57) WORD[c] = c | DIGIT;
  else if (c >= 0xc0 && !(c >= 0x2000 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f)) WORD[c] = c;
}

/**
 * Writes the 32-bit hashes of the normalised words of `text[from, to)` into `out` (from index
 * `at`), and returns the index after the last one written. Stops when `out` is full. A word cut by
 * `from`/`to` counts as a word. No callbacks and no strings: this is the guard's hot loop, written
 * for V8 (int32 locals, table lookups, the word flush repeated after the loop rather than a closure).
 */
export function readWordHashes(text: string, from: number, to: number, out: Int32Array, at = 0): number {
  const end = Math.min(text.length, to);
  const cap = out.length;
  let n = at;
  let h = FNV_OFFSET;
  let len = 0;
  let flags = 0;
  let lastWasPlaceholder = false;
  for (let i = Math.max(0, from); i < end; i++) {
    const w = WORD[text.charCodeAt(i)]!;
    if (w !== 0) {
      flags |= w;
      h = Math.imul(h ^ (w & CHAR), FNV_PRIME);
      len++;
      continue;
    }
    if (len === 0) continue;
    if (n >= cap) return n;
    if ((flags & DIGIT) !== 0 || len > MAX_WORD) {
      if (!lastWasPlaceholder) out[n++] = PLACEHOLDER_HASH;
      lastWasPlaceholder = true;
    } else {
      out[n++] = h;
      lastWasPlaceholder = false;
    }
    h = FNV_OFFSET;
    len = 0;
    flags = 0;
  }
  if (len > 0 && n < cap) {
    if ((flags & DIGIT) === 0 && len <= MAX_WORD) out[n++] = h;
    else if (!lastWasPlaceholder) out[n++] = PLACEHOLDER_HASH;
  }
  return n;
}

/** The normalised text as a string: lowercase words separated by single spaces, placeholders for ids. */
export function normaliseText(text: string): string {
  const words: string[] = [];
  let word = '';
  let digit = false;
  const flush = (): void => {
    if (word.length === 0) return;
    if (digit || word.length > MAX_WORD) {
      if (words[words.length - 1] !== PLACEHOLDER) words.push(PLACEHOLDER);
    } else {
      words.push(word);
    }
    word = '';
    digit = false;
  };
  for (let i = 0; i < text.length; i++) {
    const w = WORD[text.charCodeAt(i)]!;
    if (w === 0) {
      flush();
      continue;
    }
    if ((w & DIGIT) !== 0) digit = true;
    word += String.fromCharCode(w & CHAR);
  }
  flush();
  return words.join(' ');
}
