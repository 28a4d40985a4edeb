/**
 * Anthropic usage -> Tollgate classes. input_tokens EXCLUDES cache reads and writes (the three add up
 * to the prompt); cache_creation may split writes into 5m and 1h lifetimes.
 */
import type { TokenUsage } from '../../pricing/usage.js';
import { num, obj } from '../json-slice.js';

/** Merge a usage object (from a response, message_start or message_delta) into `into`. */
export function mergeAnthropicUsage(into: TokenUsage, raw: unknown): boolean {
  const u = obj(raw);
  if (!u) return false;
  // message_delta may carry these as null ("unchanged"): only numbers overwrite what message_start said.
  const has = (k: string): boolean => typeof u[k] === 'number';
  if (has('input_tokens')) into.input = num(u['input_tokens']);
  if (has('cache_read_input_tokens')) into.cachedInput = num(u['cache_read_input_tokens']);
  if (has('cache_creation_input_tokens') || obj(u['cache_creation'])) {
    const total = num(u['cache_creation_input_tokens']);
    const split = obj(u['cache_creation']);
    if (split) {
      const h1 = num(split['ephemeral_1h_input_tokens']);
      into.cacheWrite1h = h1;
      into.cacheWrite5m = Math.max(num(split['ephemeral_5m_input_tokens']), total - h1);
    } else if (total !== into.cacheWrite5m + into.cacheWrite1h) {
      // A total without its split (message_delta repeats only the total): keep a known 1h part.
      const h1 = into.cacheWrite1h <= total ? into.cacheWrite1h : 0;
      into.cacheWrite1h = h1;
      into.cacheWrite5m = total - h1;
    }
  }
  if (has('output_tokens')) into.output = num(u['output_tokens']);
  const searches = num(obj(u['server_tool_use'])?.['web_search_requests']);
  if (searches > 0) into.webSearches = searches;
  return true;
}
