/**
 * What a model produced through the Responses API: text and tool calls, from a complete `response`
 * object (its `output` items) or from the stream's events (text deltas, tool calls announced by
 * `response.output_item.added` and filled by argument deltas). Reasoning text counts as text, as
 * chat's `reasoning_content` does, so an estimate covers it.
 */
import type { ModelOutput } from '../types.js';
import { obj } from '../json-slice.js';
import { eventObject, parseObject } from '../output.js';

/** Output items that are tool calls, with the field holding their arguments. */
const TOOL_ITEMS: Record<string, string> = { function_call: 'arguments', custom_tool_call: 'input' };
/** Stream events whose `delta` is generated text. */
const TEXT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
]);
/** Stream events whose `delta` is a tool call's arguments. */
const TOOL_DELTAS = new Set(['response.function_call_arguments.delta', 'response.custom_tool_call_input.delta']);

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Text of a content or summary part list. */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let text = '';
  for (const p of parts) {
    const part = obj(p);
    text += str(part?.['text']) + str(part?.['refusal']);
  }
  return text;
}

export function responsesOutput(body: Buffer): ModelOutput {
  const out: ModelOutput = { text: '', toolCalls: [] };
  const items = parseObject(body)?.['output'];
  if (!Array.isArray(items)) return out;
  for (const i of items) {
    const item = obj(i);
    const type = str(item?.['type']);
    if (type === 'message') out.text += partsText(item?.['content']);
    else if (type === 'reasoning') out.text += partsText(item?.['content']) + partsText(item?.['summary']);
    else if (TOOL_ITEMS[type] !== undefined && typeof item?.['name'] === 'string') {
      out.toolCalls.push({ name: item['name'], arguments: str(item[TOOL_ITEMS[type]]) });
    }
  }
  return out;
}

/** Accumulates streamed tool calls by output index; `events` are whole SSE events. */
export function responsesStreamOutput(events: readonly string[]): ModelOutput {
  const out: ModelOutput = { text: '', toolCalls: [] };
  const calls = new Map<number, { name: string; arguments: string }>();
  const call = (index: unknown): { name: string; arguments: string } => {
    const at = typeof index === 'number' ? index : 0;
    let entry = calls.get(at);
    if (!entry) calls.set(at, (entry = { name: '', arguments: '' }));
    return entry;
  };
  for (const ev of events) {
    const data = eventObject(ev);
    const type = str(data?.['type']);
    if (TEXT_DELTAS.has(type)) out.text += str(data?.['delta']);
    else if (TOOL_DELTAS.has(type)) call(data?.['output_index']).arguments += str(data?.['delta']);
    else if (type === 'response.output_item.added') {
      const item = obj(data?.['item']);
      if (TOOL_ITEMS[str(item?.['type'])] !== undefined) call(data?.['output_index']).name = str(item?.['name']);
    }
  }
  out.toolCalls = [...calls.values()];
  return out;
}
