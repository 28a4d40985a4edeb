/**
 * Prompt token counting for mock usage. The rule is deliberately simple and documented so tests can
 * predict it: the tokens of the concatenated text (gpt-tokenizer `encode`, o200k_base), with no
 * per-message overhead.
 */
import { encode } from 'gpt-tokenizer';

// Benchmarks send the same prompt thousands of times; tokenizing it once keeps the mock a cheap baseline.
const cache = new Map<string, number>();
const CACHE_LIMIT = 2048;
const CACHEABLE_LENGTH = 16_384;

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const count = encode(text).length;
  if (text.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, count);
  }
  return count;
}
