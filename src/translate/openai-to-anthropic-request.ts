/**
 * An OpenAI Chat Completions request -> an Anthropic Messages request, for an OpenAI-shaped client
 * served by an Anthropic model. Pure: no I/O, the body is not mutated. Refuses (GatewayError
 * `unsupported_format`) every field it cannot carry over faithfully; see README for what is dropped.
 */
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { convertToAnthropicMessages } from './openai-to-anthropic-messages.js';
import { convertToolChoiceToAnthropic, convertToolsToAnthropic } from './openai-to-anthropic-tools.js';
import { checkFields, unsupported, type FieldPolicy } from './refusal.js';

export interface ToAnthropicRequestOptions {
  /** The upstream model name. */
  model: string;
  /** max_tokens when the client gave neither max_tokens nor max_completion_tokens (Anthropic requires it). */
  defaultMaxTokens: number;
}

const isZero = (v: unknown): boolean => v === 0;

const POLICY: FieldPolicy = {
  target: 'the Anthropic Messages API',
  mapped: new Set([
    'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream',
    'stream_options', 'user', 'safety_identifier', 'tools', 'tool_choice', 'parallel_tool_calls',
  ]),
  // Storage, caching, latency-tier and speculative-decoding hints: none changes the reply.
  dropped: new Set(['store', 'metadata', 'prompt_cache_key', 'prompt_cache_retention', 'prompt_cache_options', 'prediction']),
  neutral: {
    n: { ok: (v) => v === 1, why: 'Anthropic returns one choice per request (n must be 1)' },
    logprobs: { ok: (v) => v === false, why: 'Anthropic does not return log probabilities' },
    top_logprobs: { ok: isZero, why: 'Anthropic does not return log probabilities' },
    frequency_penalty: { ok: isZero, why: 'Anthropic has no frequency penalty' },
    presence_penalty: { ok: isZero, why: 'Anthropic has no presence penalty' },
    logit_bias: { ok: (v) => isObject(v) && Object.keys(v).length === 0, why: 'Anthropic has no logit bias' },
    seed: { ok: () => false, why: 'Anthropic has no sampling seed' },
    response_format: {
      ok: (v) => isObject(v) && v['type'] === 'text',
      why: 'JSON mode and JSON-schema response formats are not translated to Anthropic',
    },
    modalities: {
      ok: (v) => Array.isArray(v) && v.every((m) => m === 'text'),
      why: 'Anthropic replies in text only',
    },
    audio: { ok: () => false, why: 'Anthropic has no audio output' },
    reasoning_effort: { ok: () => false, why: 'OpenAI reasoning effort has no faithful Anthropic equivalent' },
    verbosity: { ok: () => false, why: 'Anthropic has no verbosity setting' },
    web_search_options: { ok: () => false, why: 'web search is not translated to Anthropic' },
    service_tier: {
      ok: (v) => v === 'auto' || v === 'default',
      why: 'OpenAI processing tiers (flex, scale, priority) have no Anthropic equivalent',
    },
    functions: { ok: () => false, why: 'legacy functions are not translated; use tools' },
    function_call: { ok: () => false, why: 'legacy function_call is not translated; use tool_choice' },
  },
};

function maxTokens(body: JsonObject, fallback: number): number {
  const value = body['max_completion_tokens'] ?? body['max_tokens'] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw unsupported('max_completion_tokens', 'it must be a positive integer');
  }
  return value;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (isUnset(stop)) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || !list.every((s): s is string => typeof s === 'string')) {
    throw unsupported('stop', 'it must be a string or an array of strings');
  }
  return list.length > 0 ? list : undefined;
}

/** The identifiers OpenAI uses to tell end users apart, as Anthropic's one. */
function userId(body: JsonObject): string | undefined {
  const id = body['safety_identifier'] ?? body['user'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function toAnthropicRequest(body: Record<string, unknown>, opts: ToAnthropicRequestOptions): Record<string, unknown> {
  checkFields(body, POLICY);
  const { system, messages } = convertToAnthropicMessages(body['messages']);
  const out: JsonObject = { model: opts.model, max_tokens: maxTokens(body, opts.defaultMaxTokens) };
  if (system !== undefined) out['system'] = system;
  out['messages'] = messages;

  const temperature = body['temperature'];
  if (!isUnset(temperature)) {
    // OpenAI's scale goes to 2, Anthropic's to 1: a value above 1 has no equivalent.
    if (typeof temperature !== 'number' || temperature < 0 || temperature > 1) {
      throw unsupported('temperature', 'Anthropic accepts a temperature between 0 and 1');
    }
    out['temperature'] = temperature;
  }
  if (!isUnset(body['top_p'])) out['top_p'] = body['top_p'];
  const stop = stopSequences(body['stop']);
  if (stop !== undefined) out['stop_sequences'] = stop;
  if (body['stream'] === true) out['stream'] = true;
  const user = userId(body);
  if (user !== undefined) out['metadata'] = { user_id: user };

  const tools = convertToolsToAnthropic(body['tools']);
  if (tools !== undefined) out['tools'] = tools;
  const choice = convertToolChoiceToAnthropic(body['tool_choice'], body['parallel_tool_calls'], tools !== undefined);
  if (choice !== undefined) out['tool_choice'] = choice;
  return out;
}
