/** Extract what a model produced (text and tool calls) from complete responses and stream events of both shapes. */
import type { ModelOutput } from './types.js';
import { obj } from './json-slice.js';

/** The body as a JSON object, or undefined. */
export function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    return obj(JSON.parse(body.toString('utf8')));
  } catch {
    return undefined;
  }
}

/** The JSON object after "data:" in an SSE event's text, or undefined. */
export function eventObject(ev: string): Record<string, unknown> | undefined {
  try {
    return obj(JSON.parse(ev.slice(ev.indexOf('data:') + 5)));
  } catch {
    return undefined;
  }
}

export function openaiOutput(body: Buffer): ModelOutput {
  const out: ModelOutput = { text: '', toolCalls: [] };
  const parsed = parseObject(body);
  const choices = parsed?.['choices'];
  if (!Array.isArray(choices)) return out;
  for (const c of choices) {
    const msg = obj(obj(c)?.['message']);
    if (typeof msg?.['content'] === 'string') out.text += msg['content'];
    const calls = msg?.['tool_calls'];
    if (Array.isArray(calls)) {
      for (const call of calls) {
        const fn = obj(obj(call)?.['function']);
        if (typeof fn?.['name'] === 'string') out.toolCalls.push({ name: fn['name'], arguments: typeof fn['arguments'] === 'string' ? fn['arguments'] : '' });
      }
    }
  }
  return out;
}

export function anthropicOutput(body: Buffer): ModelOutput {
  const out: ModelOutput = { text: '', toolCalls: [] };
  const parsed = parseObject(body);
  const content = parsed?.['content'];
  if (!Array.isArray(content)) return out;
  for (const b of content) {
    const block = obj(b);
    if (block?.['type'] === 'text' && typeof block['text'] === 'string') out.text += block['text'];
    if (block?.['type'] === 'tool_use' && typeof block['name'] === 'string') {
      out.toolCalls.push({ name: block['name'], arguments: JSON.stringify(block['input'] ?? {}) });
    }
  }
  return out;
}

/** Accumulates OpenAI streamed tool-call deltas by index. */
export function openaiStreamOutput(events: readonly string[]): ModelOutput {
  const out: ModelOutput = { text: '', toolCalls: [] };
  const calls = new Map<number, { name: string; arguments: string }>();
  for (const ev of events) {
    const choices = eventObject(ev)?.['choices'];
    if (!Array.isArray(choices)) continue;
    for (const c of choices) {
      const delta = obj(obj(c)?.['delta']);
      if (!delta) continue;
      if (typeof delta['content'] === 'string') out.text += delta['content'];
      if (typeof delta['reasoning_content'] === 'string') out.text += delta['reasoning_content'];
      const tcs = delta['tool_calls'];
      if (!Array.isArray(tcs)) continue;
      for (const tc of tcs) {
        const t = obj(tc);
        const index = typeof t?.['index'] === 'number' ? t['index'] : 0;
        const fn = obj(t?.['function']);
        const entry = calls.get(index) ?? { name: '', arguments: '' };
        if (typeof fn?.['name'] === 'string') entry.name += fn['name'];
        if (typeof fn?.['arguments'] === 'string') entry.arguments += fn['arguments'];
        calls.set(index, entry);
      }
    }
  }
  out.toolCalls = [...calls.values()];
  return out;
}
