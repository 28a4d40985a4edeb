/** An OpenAI `chat.completion` -> an Anthropic Messages response, for an Anthropic-shaped client. */
import { GatewayError } from '../errors.js';
import { anthropicStopReason } from './finish-reason.js';
import { isObject, parseObject, stringOr, type JsonObject } from './json-value.js';
import { anthropicUsageFromOpenAI } from './token-usage.js';

export interface ToAnthropicResponseOptions {
  /** The model name to report; defaults to the one the upstream reported. */
  model?: string;
  /** The model name to report when the upstream reported none (else "unknown"). */
  defaultModel?: string;
}

/** A stable message id derived from the upstream's completion id. */
export function anthropicMessageId(upstreamId: string): string {
  return `msg_${upstreamId}`;
}

function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `The OpenAI-compatible provider returned ${what}.`);
}

function toolUseBlock(call: unknown): JsonObject {
  const fn = isObject(call) ? call['function'] : undefined;
  if (!isObject(call) || typeof call['id'] !== 'string' || !isObject(fn) || typeof fn['name'] !== 'string') {
    throw malformed('a tool call without an id or a function name');
  }
  const input = parseObject(stringOr(fn['arguments'], ''));
  // An Anthropic tool_use carries a parsed object; arguments the model garbled cannot become one.
  if (input === undefined) throw malformed(`tool call arguments for "${fn['name']}" that are not a JSON object`);
  return { type: 'tool_use', id: call['id'], name: fn['name'], input };
}

export function toAnthropicResponse(body: Record<string, unknown>, opts: ToAnthropicResponseOptions = {}): Record<string, unknown> {
  const choices = body['choices'];
  const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const message = isObject(choice) ? choice['message'] : undefined;
  if (!isObject(choice) || !isObject(message)) throw malformed('a completion without a choice');

  const content: JsonObject[] = [];
  const text = message['content'];
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  const refusal = message['refusal'];
  const refused = typeof refusal === 'string' && refusal !== '';
  if (refused) content.push({ type: 'text', text: refusal });
  // reasoning_content (some vendors): thinking the client did not ask for; its tokens stay in usage.
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) for (const call of calls) content.push(toolUseBlock(call));

  return {
    id: anthropicMessageId(stringOr(body['id'], 'unknown')),
    type: 'message',
    role: 'assistant',
    model: opts.model ?? stringOr(body['model'], opts.defaultModel ?? 'unknown'),
    content,
    stop_reason: anthropicStopReason(choice['finish_reason'], refused),
    stop_sequence: null,
    usage: anthropicUsageFromOpenAI(body['usage']),
  };
}
