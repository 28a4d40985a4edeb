/**
 * OpenAI usage -> Tollgate classes, for Chat Completions and the Responses API. Both count cached
 * tokens INSIDE the prompt total and reasoning tokens INSIDE the output total; only the field names differ:
 *   chat:      prompt_tokens (+ prompt_tokens_details.cached_tokens),
 *              completion_tokens (+ completion_tokens_details.reasoning_tokens);
 *   responses: input_tokens (+ input_tokens_details.cached_tokens),
 *              output_tokens (+ output_tokens_details.reasoning_tokens).
 */
import type { TokenUsage } from '../../pricing/usage.js';
import { num, obj } from '../json-slice.js';

/** Non-overlapping classes from totals that include their cached and reasoning parts. */
function fromTotals(prompt: number, cachedRaw: number, completion: number, reasoningRaw: number): TokenUsage {
  const cached = Math.min(prompt, cachedRaw);
  const reasoning = Math.min(completion, reasoningRaw);
  return {
    input: prompt - cached,
    cachedInput: cached,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    output: completion - reasoning,
    reasoning,
  };
}

export function convertOpenAIUsage(raw: unknown): TokenUsage | null {
  const u = obj(raw);
  if (!u) return null;
  return fromTotals(
    num(u['prompt_tokens']),
    num(obj(u['prompt_tokens_details'])?.['cached_tokens']),
    num(u['completion_tokens']),
    num(obj(u['completion_tokens_details'])?.['reasoning_tokens']),
  );
}

/** Web searches a Responses API answer ran: its `web_search_call` output items (billed per call). */
export function webSearchCalls(output: unknown): number {
  if (!Array.isArray(output)) return 0;
  let n = 0;
  for (const item of output) if (obj(item)?.['type'] === 'web_search_call') n++;
  return n;
}

/** A Responses API `usage` object; null unless it has `input_tokens` (so a stray "usage" key is not taken for it). */
export function convertResponsesUsage(raw: unknown): TokenUsage | null {
  const u = obj(raw);
  if (!u || typeof u['input_tokens'] !== 'number') return null;
  return fromTotals(
    num(u['input_tokens']),
    num(obj(u['input_tokens_details'])?.['cached_tokens']),
    num(u['output_tokens']),
    num(obj(u['output_tokens_details'])?.['reasoning_tokens']),
  );
}
