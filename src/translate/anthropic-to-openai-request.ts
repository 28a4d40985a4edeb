/**
 * An Anthropic Messages request -> an OpenAI Chat Completions request, for an Anthropic-shaped client
 * served by an OpenAI-compatible model. Pure: no I/O, the body is not mutated. Refuses (GatewayError
 * `unsupported_format`) every field it cannot carry over faithfully; see README for what is dropped.
 */
import { convertToOpenAIMessages } from './anthropic-to-openai-messages.js';
import { convertToolChoiceToOpenAI, convertToolsToOpenAI } from './anthropic-to-openai-tools.js';
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { checkFields, unsupported, type FieldPolicy } from './refusal.js';

export interface ToOpenAIRequestOptions {
  /** The upstream model name. */
  model: string;
  /** Ask a streamed reply for its usage chunk (`stream_options.include_usage`); some vendors reject the option. */
  streamUsage: boolean;
  /**
   * Where max_tokens goes: OpenAI's own reasoning models only take `max_completion_tokens`, while many
   * compatible vendors only know `max_tokens` (the default). The provider runtime's `maxTokensField`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

const POLICY: FieldPolicy = {
  target: 'the OpenAI Chat Completions API',
  mapped: new Set([
    'model', 'messages', 'system', 'max_tokens', 'temperature', 'top_p', 'stop_sequences', 'stream', 'metadata',
    'tools', 'tool_choice',
  ]),
  // Prompt caching and capacity hints: neither changes the reply.
  dropped: new Set(['cache_control', 'service_tier']),
  neutral: {
    thinking: {
      ok: (v) => isObject(v) && v['type'] === 'disabled',
      why: 'extended thinking has no faithful OpenAI Chat Completions equivalent',
    },
    top_k: { ok: () => false, why: 'OpenAI has no top_k sampling' },
    speed: { ok: (v) => v === 'standard', why: 'OpenAI has no fast mode' },
    output_config: {
      ok: (v) => isObject(v) && Object.values(v).every(isUnset),
      why: 'effort and structured output formats are not translated to OpenAI',
    },
  },
};

function stopList(value: unknown): string[] | undefined {
  if (isUnset(value)) return undefined;
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === 'string')) {
    throw unsupported('stop_sequences', 'it must be an array of strings');
  }
  return value.length > 0 ? value : undefined;
}

function userOf(metadata: unknown): string | undefined {
  if (isUnset(metadata)) return undefined;
  if (!isObject(metadata)) throw unsupported('metadata', 'it must be an object');
  for (const field of Object.keys(metadata)) {
    if (field !== 'user_id' && !isUnset(metadata[field])) throw unsupported(`metadata.${field}`, 'only metadata.user_id can be translated (to user)');
  }
  const id = metadata['user_id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function toOpenAIRequest(body: Record<string, unknown>, opts: ToOpenAIRequestOptions): Record<string, unknown> {
  checkFields(body, POLICY);
  const out: JsonObject = { model: opts.model, messages: convertToOpenAIMessages(body['system'], body['messages']) };
  const max = body['max_tokens'];
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw unsupported('max_tokens', 'it must be a positive integer');
  out[opts.maxTokensField ?? 'max_tokens'] = max;
  // Anthropic's temperature range (0-1) lies within OpenAI's (0-2) with the same meaning.
  if (!isUnset(body['temperature'])) out['temperature'] = body['temperature'];
  if (!isUnset(body['top_p'])) out['top_p'] = body['top_p'];
  const stop = stopList(body['stop_sequences']);
  if (stop !== undefined) out['stop'] = stop;
  if (body['stream'] === true) {
    out['stream'] = true;
    if (opts.streamUsage) out['stream_options'] = { include_usage: true };
  }
  const user = userOf(body['metadata']);
  if (user !== undefined) out['user'] = user;

  const tools = convertToolsToOpenAI(body['tools']);
  if (tools !== undefined) out['tools'] = tools;
  const { toolChoice, parallelToolCalls } = convertToolChoiceToOpenAI(body['tool_choice']);
  if (toolChoice !== undefined) out['tool_choice'] = toolChoice;
  // OpenAI only takes parallel_tool_calls alongside tools.
  if (parallelToolCalls === false && tools !== undefined) out['parallel_tool_calls'] = false;
  return out;
}
