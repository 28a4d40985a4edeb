/**
 * Fold OpenAI chat.completion.chunk events into the chat.completion they stand for. Choices are kept
 * apart by index; a tool call's id, type and name come from its first delta (whose arguments are
 * empty), its arguments from every delta. Not rebuilt, so not cached: logprobs, audio, the legacy
 * `function_call`, any delta field not listed in DELTA_FIELDS, and a choice that never finished.
 */
import { isRecord } from './sse-data.js';
import type { CachedUsage } from './types.js';

interface ToolCall {
  id: string | null;
  type: string;
  name: string;
  arguments: string;
}

interface Choice {
  content: string | null;
  refusal: string | null;
  reasoning: string | null;
  toolCalls: Map<number, ToolCall>;
  finish: string | null;
}

const DELTA_FIELDS = new Set(['role', 'content', 'refusal', 'tool_calls', 'reasoning_content']);
const HEAD_FIELDS = ['id', 'created', 'model', 'service_tier', 'system_fingerprint'] as const;

export function assembleOpenai(events: Record<string, unknown>[], metered: CachedUsage): Record<string, unknown> | null {
  const head: Record<string, unknown> = {};
  const choices = new Map<number, Choice>();
  let usage: unknown = null;
  for (const ev of events) {
    if (ev['error'] !== undefined) return null;
    for (const k of HEAD_FIELDS) if (ev[k] != null) head[k] = ev[k];
    if (ev['usage'] != null) usage = ev['usage'];
    const list = ev['choices'];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c) || typeof c['index'] !== 'number' || c['logprobs'] != null) return null;
      let choice = choices.get(c['index']);
      if (!choice) choices.set(c['index'], (choice = { content: null, refusal: null, reasoning: null, toolCalls: new Map(), finish: null }));
      if (!foldDelta(choice, c['delta'])) return null;
      if (typeof c['finish_reason'] === 'string') choice.finish = c['finish_reason'];
    }
  }
  if (typeof head['id'] !== 'string' || choices.size === 0) return null;
  const out: Record<string, unknown>[] = [];
  for (const [index, c] of [...choices].sort((a, b) => a[0] - b[0])) {
    if (c.finish === null) return null;
    const message: Record<string, unknown> = { role: 'assistant', content: c.content, refusal: c.refusal };
    if (c.reasoning !== null) message['reasoning_content'] = c.reasoning;
    if (c.toolCalls.size > 0) {
      const calls = [...c.toolCalls].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
      // A call without an id cannot be replayed as the one the client saw.
      if (calls.some((t) => t.id === null)) return null;
      message['tool_calls'] = calls.map((t) => ({ id: t.id, type: t.type, function: { name: t.name, arguments: t.arguments } }));
    }
    out.push({ index, message, logprobs: null, finish_reason: c.finish });
  }
  return { id: head['id'], object: 'chat.completion', created: head['created'] ?? 0, model: head['model'] ?? '', choices: out, usage: usage ?? openaiUsage(metered), ...optional(head) };
}

/** Returns false for a delta that carries something the fold does not rebuild. */
function foldDelta(choice: Choice, delta: unknown): boolean {
  if (delta === undefined || delta === null) return true;
  if (!isRecord(delta)) return false;
  for (const [k, v] of Object.entries(delta)) if (v != null && !DELTA_FIELDS.has(k)) return false;
  if (typeof delta['content'] === 'string') choice.content = (choice.content ?? '') + delta['content'];
  if (typeof delta['refusal'] === 'string') choice.refusal = (choice.refusal ?? '') + delta['refusal'];
  if (typeof delta['reasoning_content'] === 'string') choice.reasoning = (choice.reasoning ?? '') + delta['reasoning_content'];
  const calls = delta['tool_calls'];
  if (calls == null) return true;
  if (!Array.isArray(calls)) return false;
  for (const tc of calls) {
    if (!isRecord(tc)) return false;
    const index = typeof tc['index'] === 'number' ? tc['index'] : 0;
    let call = choice.toolCalls.get(index);
    if (!call) choice.toolCalls.set(index, (call = { id: null, type: 'function', name: '', arguments: '' }));
    if (typeof tc['id'] === 'string' && tc['id'] !== '') call.id = tc['id'];
    if (typeof tc['type'] === 'string') call.type = tc['type'];
    const fn = tc['function'];
    if (isRecord(fn)) {
      // The name arrives whole in the call's first delta (as the SDK reads it: set, not appended).
      if (typeof fn['name'] === 'string' && fn['name'] !== '') call.name = fn['name'];
      if (typeof fn['arguments'] === 'string') call.arguments += fn['arguments'];
    }
  }
  return true;
}

function optional(head: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (head['service_tier'] != null) out['service_tier'] = head['service_tier'];
  if (head['system_fingerprint'] != null) out['system_fingerprint'] = head['system_fingerprint'];
  return out;
}

/** OpenAI usage from Tollgate's token classes: prompt includes cached input, completion includes reasoning. */
function openaiUsage(u: CachedUsage): Record<string, unknown> {
  const prompt = u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h;
  const completion = u.output + u.reasoning;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u.cachedInput },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
