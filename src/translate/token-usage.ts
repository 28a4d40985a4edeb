/**
 * Usage in each API's terms. The prompt is split differently: OpenAI `prompt_tokens` INCLUDES cached
 * tokens (and cache writes), Anthropic `input_tokens` EXCLUDES cache reads and cache writes, which it
 * reports beside it. Generated tokens agree: both totals include reasoning/thinking.
 */
import { count, isObject, type JsonObject } from './json-value.js';

/** Anthropic usage (a response's, or message_start's merged with message_delta's) -> OpenAI usage. */
export function openaiUsageFromAnthropic(raw: unknown): JsonObject {
  const u = isObject(raw) ? raw : {};
  const cacheRead = count(u['cache_read_input_tokens']);
  const cacheWrite = count(u['cache_creation_input_tokens']);
  const prompt = count(u['input_tokens']) + cacheRead + cacheWrite;
  const completion = count(u['output_tokens']);
  const promptDetails: JsonObject = { cached_tokens: cacheRead };
  if (cacheWrite > 0) promptDetails['cache_write_tokens'] = cacheWrite;
  const usage: JsonObject = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: promptDetails,
  };
  const details = u['output_tokens_details'];
  if (isObject(details) && typeof details['thinking_tokens'] === 'number') {
    usage['completion_tokens_details'] = { reasoning_tokens: count(details['thinking_tokens']) };
  }
  return usage;
}

/** OpenAI usage -> Anthropic usage. */
export function anthropicUsageFromOpenAI(raw: unknown): JsonObject {
  const u = isObject(raw) ? raw : {};
  const prompt = count(u['prompt_tokens']);
  const promptDetails = isObject(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const cacheRead = Math.min(prompt, count(promptDetails['cached_tokens']));
  const cacheWrite = Math.min(prompt - cacheRead, count(promptDetails['cache_write_tokens']));
  const usage: JsonObject = {
    input_tokens: prompt - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: count(u['completion_tokens']),
  };
  const details = u['completion_tokens_details'];
  const reasoning = isObject(details) ? count(details['reasoning_tokens']) : 0;
  if (reasoning > 0) usage['output_tokens_details'] = { thinking_tokens: reasoning };
  return usage;
}
