/**
 * The mock's vocabulary. Every word here is exactly ONE token in gpt-tokenizer's default encoding
 * (o200k_base) both bare and with a leading space, so "N words joined by spaces" is exactly N tokens
 * and each streamed delta is exactly one token. test/unit/mock-provider.test.ts checks this.
 */
export const WORDS: readonly string[] = [
  'the', 'quick', 'brown', 'fox', 'over', 'lazy', 'dog', 'river',
  'stone', 'light', 'water', 'green', 'house', 'garden', 'table', 'window',
  'paper', 'music', 'sound', 'market', 'winter', 'summer', 'spring', 'forest',
  'cloud', 'bright', 'simple', 'small', 'large', 'early', 'late', 'happy',
  'silver', 'orange', 'yellow', 'purple', 'bridge', 'castle', 'city', 'road',
  'train', 'plane', 'ship', 'horse', 'bird', 'fish', 'tree', 'flower',
  'grass', 'sun', 'moon', 'star', 'night', 'story', 'letter', 'number',
  'answer', 'question', 'friend', 'family', 'people', 'world', 'time', 'year',
];

/** The i-th piece of a reply: the word, with a leading space unless it opens the reply. `offset` shifts the vocabulary (another choice's reply). */
export function replyWord(i: number, offset = 0): string {
  const word = WORDS[(i + offset) % WORDS.length] ?? 'the';
  return i === 0 ? word : ` ${word}`;
}

// Replies of the same length are requested over and over (benchmarks); build each length once.
const textCache = new Map<number, string>();
const TEXT_CACHE_LIMIT = 4096;

/** A reply of exactly `n` tokens: `n` words joined by single spaces (`offset`: see replyWord). */
export function replyText(n: number, offset = 0): string {
  if (offset !== 0) {
    let shifted = '';
    for (let i = 0; i < n; i++) shifted += replyWord(i, offset);
    return shifted;
  }
  const cached = textCache.get(n);
  if (cached !== undefined) return cached;
  let text = '';
  for (let i = 0; i < n; i++) text += replyWord(i);
  if (textCache.size >= TEXT_CACHE_LIMIT) textCache.clear();
  textCache.set(n, text);
  return text;
}

/** Average bytes per reply word (with its space), used to size padded benchmark responses. */
export const AVERAGE_WORD_BYTES: number =
  WORDS.reduce((sum, w) => sum + w.length + 1, 0) / WORDS.length;

/** A scripted reply split into stream pieces: each word with the whitespace before it. */
export function replyPieces(text: string): string[] {
  return text.match(/\s*\S+\s*$|\s*\S+/g) ?? (text === '' ? [] : [text]);
}
