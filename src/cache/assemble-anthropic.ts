/**
 * Fold an Anthropic Messages event stream into the message it stands for, as the SDK's MessageStream
 * does: message_start gives the message, each content_block_start a block that its deltas complete
 * (text, citations, thinking and its signature, tool input JSON), message_delta the stop reason and
 * the final usage. Not rebuilt, so not cached: an error event, a delta type not handled here, tool
 * input that is not complete JSON, a stream without message_stop or without a stop reason.
 */
import { isRecord } from './sse-data.js';

interface Block {
  block: Record<string, unknown>;
  /** Tool input as streamed (tool_use and server_tool_use), parsed at the block's end. */
  json: string | null;
}

export function assembleAnthropic(events: Record<string, unknown>[]): Record<string, unknown> | null {
  let message: Record<string, unknown> | null = null;
  const blocks = new Map<number, Block>();
  let stopped = false;
  for (const ev of events) {
    switch (ev['type']) {
      case 'message_start': {
        const m = ev['message'];
        if (!isRecord(m)) return null;
        message = { ...m, usage: isRecord(m['usage']) ? { ...m['usage'] } : {} };
        break;
      }
      case 'content_block_start': {
        const b = ev['content_block'];
        if (!isRecord(b) || typeof ev['index'] !== 'number') return null;
        const tool = b['type'] === 'tool_use' || b['type'] === 'server_tool_use';
        blocks.set(ev['index'], { block: { ...b }, json: tool ? '' : null });
        break;
      }
      case 'content_block_delta':
        if (!foldDelta(blocks.get(typeof ev['index'] === 'number' ? ev['index'] : -1), ev['delta'])) return null;
        break;
      case 'content_block_stop':
        if (!finishBlock(blocks.get(typeof ev['index'] === 'number' ? ev['index'] : -1))) return null;
        break;
      case 'message_delta':
        if (!message || !foldMessageDelta(message, ev)) return null;
        break;
      case 'message_stop':
        stopped = true;
        break;
      case 'ping':
        break;
      default:
        // An error event, or one this fold does not know: not rebuilt.
        return null;
    }
  }
  if (!message || !stopped || typeof message['stop_reason'] !== 'string') return null;
  const content = [...blocks].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
  // A tool block whose input never ended (no content_block_stop) is not complete.
  if (content.some((b) => b.json !== null)) return null;
  return { ...message, content: content.map((b) => b.block) };
}

function foldDelta(b: Block | undefined, delta: unknown): boolean {
  if (!b || !isRecord(delta)) return false;
  const block = b.block;
  const str = (k: string): string => (typeof block[k] === 'string' ? block[k] : '');
  switch (delta['type']) {
    case 'text_delta':
      if (typeof delta['text'] !== 'string') return false;
      block['text'] = str('text') + delta['text'];
      return true;
    case 'thinking_delta':
      if (typeof delta['thinking'] !== 'string') return false;
      block['thinking'] = str('thinking') + delta['thinking'];
      return true;
    case 'signature_delta':
      // The signature arrives whole, just before the thinking block stops.
      if (typeof delta['signature'] !== 'string') return false;
      block['signature'] = delta['signature'];
      return true;
    case 'citations_delta':
      block['citations'] = [...(Array.isArray(block['citations']) ? (block['citations'] as unknown[]) : []), delta['citation']];
      return true;
    case 'input_json_delta':
      if (b.json === null || typeof delta['partial_json'] !== 'string') return false;
      b.json += delta['partial_json'];
      return true;
    default:
      return false;
  }
}

/** A tool block's input is its streamed JSON (none at all for a tool without parameters: `{}`). */
function finishBlock(b: Block | undefined): boolean {
  if (!b) return false;
  if (b.json === null) return true;
  try {
    b.block['input'] = b.json.trim() === '' ? {} : JSON.parse(b.json);
  } catch {
    return false;
  }
  b.json = null;
  return true;
}

/** Stop reason, stop sequence (and stop details), and usage: message_delta's fields are cumulative. */
function foldMessageDelta(message: Record<string, unknown>, ev: Record<string, unknown>): boolean {
  const delta = ev['delta'];
  if (!isRecord(delta)) return false;
  for (const [k, v] of Object.entries(delta)) message[k] = v;
  const usage = ev['usage'];
  if (isRecord(usage)) {
    const into = message['usage'] as Record<string, unknown>;
    for (const [k, v] of Object.entries(usage)) if (v != null) into[k] = v;
  }
  return true;
}
