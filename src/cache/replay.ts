/**
 * Replay a cached non-streaming response as a complete SSE stream in the same API's format, for a client
 * that asked to stream. Content is cut into a few sizeable deltas (not one per token): a replay has no
 * generation latency to hide, but clients still see the ordinary event sequence.
 *
 * OpenAI: role chunk, reasoning_content (vendors'), content (and refusal) deltas, tool_calls deltas (index/id/name, then arguments),
 * finish chunk, the usage chunk with `choices: []` only when the client asked for it (`usage: null` on
 * every other chunk then, as OpenAI does), `data: [DONE]`. Choices are replayed one after another.
 * Anthropic: message_start (input side of usage), content_block_start/delta/stop per block,
 * message_delta (stop_reason, cumulative usage), message_stop.
 * Not replayed: OpenAI logprobs, audio and legacy function_call.
 */
import { z } from 'zod';
import type { CacheApi } from './types.js';

export interface ReplayOptions {
  /** OpenAI `stream_options.include_usage`; Anthropic streams always carry usage. */
  includeUsage: boolean;
}

/** Throws when `body` is not a response of that API's shape. */
export function replayAsStream(api: CacheApi, body: string, opts: ReplayOptions): string {
  const json: unknown = JSON.parse(body);
  return api === 'openai' ? replayOpenai(json, opts) : replayAnthropic(json);
}

const openaiToolCall = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
const openaiCompletion = z.looseObject({
  id: z.string(),
  created: z.number(),
  model: z.string(),
  service_tier: z.string().nullish(),
  system_fingerprint: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().int(),
      message: z.looseObject({
        content: z.string().nullish(),
        refusal: z.string().nullish(),
        /** DeepSeek-style reasoning text (OpenAI-compatible vendors). */
        reasoning_content: z.string().nullish(),
        tool_calls: z.array(openaiToolCall).nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: z.unknown().optional(),
});

const anthropicMessage = z.looseObject({
  id: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: z.record(z.string(), z.unknown()),
});

function replayOpenai(json: unknown, opts: ReplayOptions): string {
  const c = openaiCompletion.parse(json);
  const head: Record<string, unknown> = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model };
  if (c.service_tier != null) head['service_tier'] = c.service_tier;
  if (c.system_fingerprint != null) head['system_fingerprint'] = c.system_fingerprint;
  const tail = opts.includeUsage ? { usage: null } : {};
  let out = '';
  const chunk = (index: number, delta: Record<string, unknown>, finish: string | null = null): void => {
    const choice = { index, delta, logprobs: null, finish_reason: finish };
    out += `data: ${JSON.stringify({ ...head, choices: [choice], ...tail })}\n\n`;
  };
  for (const choice of c.choices) {
    const m = choice.message;
    chunk(choice.index, { role: 'assistant', content: '', refusal: null });
    for (const p of pieces(m.reasoning_content ?? '')) chunk(choice.index, { reasoning_content: p });
    for (const p of pieces(m.content ?? '')) chunk(choice.index, { content: p });
    for (const p of pieces(m.refusal ?? '')) chunk(choice.index, { refusal: p });
    (m.tool_calls ?? []).forEach((t, index) => {
      const fn = { name: t.function.name, arguments: '' };
      chunk(choice.index, { tool_calls: [{ index, id: t.id, type: t.type ?? 'function', function: fn }] });
      for (const p of pieces(t.function.arguments)) {
        chunk(choice.index, { tool_calls: [{ index, function: { arguments: p } }] });
      }
    });
    chunk(choice.index, {}, choice.finish_reason ?? 'stop');
  }
  if (opts.includeUsage && c.usage != null) {
    out += `data: ${JSON.stringify({ ...head, choices: [], usage: c.usage })}\n\n`;
  }
  return `${out}data: [DONE]\n\n`;
}

function replayAnthropic(json: unknown): string {
  const m = anthropicMessage.parse(json);
  const u = m.usage;
  const output = typeof u['output_tokens'] === 'number' ? u['output_tokens'] : 0;
  const inputSide = pick(u, ['input_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']);
  // As the real API does: message_start reports (at most) one output token, message_delta the final count.
  const startUsage = { ...inputSide, ...pick(u, ['cache_creation', 'service_tier']), output_tokens: Math.min(1, output) };
  const { stop_details: _stopDetails, ...rest } = m;
  const start = { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: startUsage };
  let out = event('message_start', { type: 'message_start', message: start });
  m.content.forEach((block, index) => {
    out += replayBlock(block, index);
  });
  const delta: Record<string, unknown> = { stop_reason: m.stop_reason ?? null, stop_sequence: m.stop_sequence ?? null };
  if (m['stop_details'] !== undefined) delta['stop_details'] = m['stop_details'];
  const endUsage = { ...inputSide, output_tokens: output, ...pick(u, ['server_tool_use', 'output_tokens_details']) };
  out += event('message_delta', { type: 'message_delta', delta, usage: endUsage });
  return out + event('message_stop', { type: 'message_stop' });
}

/** content_block_start, its deltas and content_block_stop for one content block. */
function replayBlock(block: Record<string, unknown> & { type: string }, index: number): string {
  let start: Record<string, unknown> = block;
  const deltas: Record<string, unknown>[] = [];
  const text = (k: string): string => (typeof block[k] === 'string' ? block[k] : '');
  switch (block.type) {
    case 'text': {
      const citations = Array.isArray(block['citations']) ? (block['citations'] as unknown[]) : [];
      start = citations.length > 0 ? { ...block, text: '', citations: [] } : { ...block, text: '' };
      for (const citation of citations) deltas.push({ type: 'citations_delta', citation });
      for (const p of pieces(text('text'))) deltas.push({ type: 'text_delta', text: p });
      break;
    }
    case 'thinking':
      start = { ...block, thinking: '', signature: '' };
      for (const p of pieces(text('thinking'))) deltas.push({ type: 'thinking_delta', thinking: p });
      if (text('signature') !== '') deltas.push({ type: 'signature_delta', signature: text('signature') });
      break;
    case 'tool_use':
    case 'server_tool_use':
      start = { ...block, input: {} };
      for (const p of pieces(JSON.stringify(block['input'] ?? {}))) deltas.push({ type: 'input_json_delta', partial_json: p });
      break;
    default:
      // Other blocks (redacted thinking, server tool results) arrive whole in content_block_start.
      break;
  }
  let out = event('content_block_start', { type: 'content_block_start', index, content_block: start });
  for (const delta of deltas) out += event('content_block_delta', { type: 'content_block_delta', index, delta });
  return out + event('content_block_stop', { type: 'content_block_stop', index });
}

function event(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function pick(from: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

const MIN_PIECE = 48;
const MAX_PIECES = 32;

/**
 * Cut `s` into at most about MAX_PIECES pieces of at least MIN_PIECE characters, preferring to cut after a
 * space and never between the two halves of a surrogate pair (a client in another language would decode
 * each half alone).
 */
export function pieces(s: string): string[] {
  const out: string[] = [];
  const size = Math.max(MIN_PIECE, Math.ceil(s.length / MAX_PIECES));
  let at = 0;
  while (at < s.length) {
    let end = Math.min(at + size, s.length);
    if (end < s.length) {
      const space = s.lastIndexOf(' ', end - 1);
      if (space >= at + size / 2) end = space + 1;
      else if (isHighSurrogate(s.charCodeAt(end - 1))) end--;
    }
    out.push(s.slice(at, end));
    at = end;
  }
  return out;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
