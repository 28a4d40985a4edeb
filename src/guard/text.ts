/**
 * Text normalisation for the run guard, in one pass over the characters and without building strings
 * on the hot path: words are lowercased, punctuation and whitespace separate them, and any token that
 * carries a digit (numbers, ids, uuids, timestamps, hashes) or is very long (base64, blobs) becomes one
 * placeholder, with runs of placeholders collapsed. So "job 4f2a-91 at 10:32:07" and "job 77c1-02 at
 * 11:02:44" read the same. `normaliseText` shows the same rules as a string (for tests and evidence).
 */

/** The placeholder that replaces numbers, ids, uuids and timestamps. */
export const PLACEHOLDER = '#';
/** Tokens longer than this are blobs (base64, minified code), not words. */
const MAX_WORD = 40;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const PLACEHOLDER_HASH = fnvString(PLACEHOLDER);

/** 32-bit FNV-1a of a string (already normalised). */
export function fnvString(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * 0 separator, 1 letter, 2 digit. Word characters are ASCII letters, digits and `_`, and non-ASCII
 * letters (anything from U+00C0 up, except the general-punctuation and CJK-punctuation blocks).
 */
function charClass(c: number): 0 | 1 | 2 {
  if (c >= 97 && c <= 122) return 1;
  if (c >= 65 && c <= 90) return 1;
  if (c >= 48 && c <= 57) return 2;
  if (c === 95) return 1;
  if (c < 0xc0) return 0;
  if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f)) return 0;
  return 1;
}

/**
 * Calls `onWord` with the 32-bit hash of each normalised word of `text`, in order, and returns how
 * many characters it read. At most `maxChars` characters are read.
 */
export function forEachWordHash(text: string, onWord: (hash: number) => void, maxChars = text.length): number {
  const end = Math.min(text.length, maxChars);
  let h = FNV_OFFSET;
  let len = 0;
  let digit = false;
  let lastWasPlaceholder = false;
  const flush = (): void => {
    if (len === 0) return;
    if (digit || len > MAX_WORD) {
      if (!lastWasPlaceholder) onWord(PLACEHOLDER_HASH);
      lastWasPlaceholder = true;
    } else {
      onWord(h >>> 0);
      lastWasPlaceholder = false;
    }
    h = FNV_OFFSET;
    len = 0;
    digit = false;
  };
  for (let i = 0; i < end; i++) {
    let c = text.charCodeAt(i);
    const k = charClass(c);
    if (k === 0) {
      flush();
      continue;
    }
    if (k === 2) digit = true;
    else if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, FNV_PRIME);
    len++;
  }
  flush();
  return end;
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
    const c = text.charCodeAt(i);
    const k = charClass(c);
    if (k === 0) {
      flush();
      continue;
    }
    if (k === 2) digit = true;
    word += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : text[i];
  }
  flush();
  return words.join(' ');
}
