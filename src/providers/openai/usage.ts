/** OpenAI usage -> Tollgate classes. prompt_tokens INCLUDES cached tokens; completion_tokens INCLUDES reasoning. */
import type { TokenUsage } from '../../pricing/usage.js';
import { num, obj } from '../json-slice.js';

export function convertOpenAIUsage(raw: unknown): TokenUsage | null {
  const u = obj(raw);
  if (!u) return null;
  const prompt = num(u['prompt_tokens']);
  const completion = num(u['completion_tokens']);
  const cached = Math.min(prompt, num(obj(u['prompt_tokens_details'])?.['cached_tokens']));
  const reasoning = Math.min(completion, num(obj(u['completion_tokens_details'])?.['reasoning_tokens']));
  return {
    input: prompt - cached,
    cachedInput: cached,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    output: completion - reasoning,
    reasoning,
  };
}
