/**
 * A complete non-streaming response body built from what a stream produced, so a streamed miss can be
 * cached like any other response. The body is in the client's API shape (OpenAI `chat.completion` or
 * Anthropic `message`) and its usage is rebuilt from Tollgate's token classes.
 */
import type { CacheApi, CachedUsage } from './types.js';

export interface AssembleInput {
  api: CacheApi;
  id: string;
  model: string;
  /** Unix seconds (OpenAI `created`); Anthropic messages carry no timestamp. */
  created: number;
  text: string;
  toolCalls: { id?: string; name: string; arguments: string }[];
  /** In the client API's vocabulary (OpenAI `finish_reason`, Anthropic `stop_reason`). */
  finishReason: string | null;
  usage: CachedUsage;
}

/** Thrown when a tool call's arguments are not JSON (e.g. a stream cut off mid-call): do not cache it. */
export class IncompleteToolCall extends Error {
  override readonly name = 'IncompleteToolCall';
}

export function assembleResponse(input: AssembleInput): string {
  return JSON.stringify(input.api === 'openai' ? openaiCompletion(input) : anthropicMessage(input));
}

function openaiCompletion(input: AssembleInput): Record<string, unknown> {
  const u = input.usage;
  const prompt = u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h;
  const completion = u.output + u.reasoning;
  const message: Record<string, unknown> = {
    role: 'assistant',
    // OpenAI sends null content when the model only called tools.
    content: input.text === '' && input.toolCalls.length > 0 ? null : input.text,
    refusal: null,
  };
  if (input.toolCalls.length > 0) {
    message['tool_calls'] = input.toolCalls.map((t, i) => ({
      id: t.id ?? `call_${input.id}_${i}`,
      type: 'function',
      function: { name: t.name, arguments: t.arguments },
    }));
  }
  return {
    id: input.id,
    object: 'chat.completion',
    created: input.created,
    model: input.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: input.finishReason }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: u.cachedInput },
      completion_tokens_details: { reasoning_tokens: u.reasoning },
    },
  };
}

function anthropicMessage(input: AssembleInput): Record<string, unknown> {
  const u = input.usage;
  const content: Record<string, unknown>[] = [];
  if (input.text !== '' || input.toolCalls.length === 0) content.push({ type: 'text', text: input.text });
  input.toolCalls.forEach((t, i) => {
    content.push({ type: 'tool_use', id: t.id ?? `toolu_${input.id}_${i}`, name: t.name, input: toolInput(t) });
  });
  return {
    id: input.id,
    type: 'message',
    role: 'assistant',
    model: input.model,
    content,
    stop_reason: input.finishReason,
    stop_sequence: null,
    usage: {
      input_tokens: u.input,
      cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
      cache_read_input_tokens: u.cachedInput,
      cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
      output_tokens: u.output + u.reasoning,
    },
  };
}

/** Anthropic tool input is an object; a tool without parameters streams no JSON at all. */
function toolInput(t: { name: string; arguments: string }): unknown {
  if (t.arguments.trim() === '') return {};
  try {
    return JSON.parse(t.arguments);
  } catch {
    throw new IncompleteToolCall(`tool call ${t.name}: arguments are not complete JSON`);
  }
}
