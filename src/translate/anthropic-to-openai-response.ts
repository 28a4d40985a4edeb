/** An Anthropic Messages response -> an OpenAI `chat.completion`, for an OpenAI-shaped client. */
import { GatewayError } from '../errors.js';
import { openaiFinishReason } from './finish-reason.js';
import { isObject, stringOr, type JsonObject } from './json-value.js';
import { openaiUsageFromAnthropic } from './token-usage.js';

export interface ToOpenAIResponseOptions {
  /** Unix seconds, from the gateway's clock. */
  created: number;
  /** The model name to report; defaults to the one the upstream reported. */
  model?: string;
  /** The model name to report when the upstream reported none (else "unknown"). */
  defaultModel?: string;
}

/** A stable completion id derived from the upstream's message id. */
export function openaiCompletionId(upstreamId: string): string {
  return `chatcmpl-${upstreamId}`;
}

export function toOpenAIResponse(body: Record<string, unknown>, opts: ToOpenAIResponseOptions): Record<string, unknown> {
  const blocks = body['content'];
  if (body['type'] !== 'message' || !Array.isArray(blocks)) {
    throw new GatewayError('upstream_error', 'The Anthropic provider returned a body that is not a message.');
  }
  let text = '';
  const toolCalls: JsonObject[] = [];
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (block['type'] === 'text' && typeof block['text'] === 'string') text += block['text'];
    else if (block['type'] === 'tool_use' && typeof block['id'] === 'string' && typeof block['name'] === 'string') {
      const args = JSON.stringify(block['input'] ?? {});
      toolCalls.push({ id: block['id'], type: 'function', function: { name: block['name'], arguments: args } });
    }
    // thinking / redacted_thinking: the client did not ask for it (the request refuses thinking); its
    // tokens are still in output_tokens, so completion_tokens counts them.
  }
  const message: JsonObject = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  return {
    id: openaiCompletionId(stringOr(body['id'], 'unknown')),
    object: 'chat.completion',
    created: opts.created,
    model: opts.model ?? stringOr(body['model'], opts.defaultModel ?? 'unknown'),
    choices: [{ index: 0, message, logprobs: null, finish_reason: openaiFinishReason(body['stop_reason']) }],
    usage: openaiUsageFromAnthropic(body['usage']),
  };
}
