/**
 * OpenAI `messages` -> Anthropic `system` + `messages`. Leading system/developer messages become the
 * system prompt; tool results become user `tool_result` blocks; consecutive turns of one role are
 * merged, because Anthropic wants user and assistant to alternate.
 */
import { isObject, parseObject, type JsonObject } from './json-value.js';
import { anthropicToolId, contentBlocks } from './openai-to-anthropic-content.js';
import { unsupported } from './refusal.js';

interface Turn {
  role: 'user' | 'assistant';
  content: JsonObject[];
}

export interface AnthropicPrompt {
  /** A string for one system text, text blocks for several, undefined for none. */
  system: string | JsonObject[] | undefined;
  messages: Turn[];
}

/**
 * Fields of a message each role may carry; anything else (name, audio, function_call...) is refused.
 * `annotations` (URL citations a client echoes back with an earlier reply) describe the text, which is kept.
 */
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  system: new Set(['role', 'content']),
  developer: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'refusal', 'annotations']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};

function checkMessageFields(message: JsonObject, role: string, where: string): void {
  const allowed = MESSAGE_FIELDS[role];
  if (allowed === undefined) {
    throw unsupported(`${where}.role`, `"${role}" messages have no Anthropic equivalent (legacy function messages are not translated)`);
  }
  for (const [field, value] of Object.entries(message)) {
    if (value === undefined || value === null || allowed.has(field)) continue;
    const why =
      field === 'name'
        ? 'Anthropic has no participant names, and dropping the name would change what the model sees'
        : `"${role}" messages with "${field}" have no Anthropic equivalent`;
    throw unsupported(`${where}.${field}`, why);
  }
}

function toolUseBlocks(toolCalls: unknown, where: string): JsonObject[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw unsupported(`${where}.tool_calls`, 'it must be an array');
  return toolCalls.map((call: unknown, i) => {
    const at = `${where}.tool_calls[${i}]`;
    const fn = isObject(call) ? call['function'] : undefined;
    if (!isObject(call) || call['type'] !== 'function' || !isObject(fn)) {
      throw unsupported(at, 'only function tool calls can be translated');
    }
    const { id } = call;
    const name = fn['name'];
    const args = fn['arguments'];
    if (typeof id !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
      throw unsupported(at, 'a function tool call needs a string id, name and arguments');
    }
    const input = parseObject(args);
    if (input === undefined) throw unsupported(`${at}.function.arguments`, 'Anthropic tool input must be a JSON object');
    return { type: 'tool_use', id: anthropicToolId(id), name, input };
  });
}

function toolResultBlock(message: JsonObject, where: string): JsonObject {
  const id = message['tool_call_id'];
  if (typeof id !== 'string') throw unsupported(`${where}.tool_call_id`, 'a tool message needs a tool_call_id');
  const raw = message['content'];
  const block: JsonObject = { type: 'tool_result', tool_use_id: anthropicToolId(id) };
  // A string stays a string, parts become text blocks; an empty result is a result without content.
  const content = typeof raw === 'string' ? raw : contentBlocks(raw, where, false);
  if (content.length > 0) block['content'] = content;
  return block;
}

function systemTexts(message: JsonObject, where: string): JsonObject[] {
  return contentBlocks(message['content'], where, false);
}

/** One OpenAI message as an Anthropic turn (not yet merged with its neighbours). */
function toTurn(message: JsonObject, role: string, where: string): Turn {
  if (role === 'user') return { role: 'user', content: contentBlocks(message['content'], where, true) };
  if (role === 'tool') return { role: 'user', content: [toolResultBlock(message, where)] };
  const content = contentBlocks(message['content'], where, false);
  const refusal = message['refusal'];
  if (typeof refusal === 'string' && refusal !== '' && content.length === 0) content.push({ type: 'text', text: refusal });
  content.push(...toolUseBlocks(message['tool_calls'], where));
  return { role: 'assistant', content };
}

/** Merge consecutive same-role turns and drop turns left without content. */
function alternate(turns: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const turn of turns) {
    if (turn.content.length === 0) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.role === turn.role) last.content.push(...turn.content);
    else out.push({ role: turn.role, content: [...turn.content] });
  }
  return out;
}

function systemValue(blocks: JsonObject[]): string | JsonObject[] | undefined {
  if (blocks.length === 0) return undefined;
  const first = blocks[0];
  if (blocks.length === 1 && first !== undefined && typeof first['text'] === 'string') return first['text'];
  return blocks;
}

export function convertToAnthropicMessages(messages: unknown): AnthropicPrompt {
  if (!Array.isArray(messages)) throw unsupported('messages', 'it must be an array');
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  messages.forEach((message: unknown, i) => {
    const where = `messages[${i}]`;
    if (!isObject(message)) throw unsupported(where, 'a message must be an object');
    const role = String(message['role']);
    checkMessageFields(message, role, where);
    if (role === 'system' || role === 'developer') {
      if (turns.length > 0) {
        throw unsupported(where, 'Anthropic has one system prompt before the conversation; a system/developer message after it cannot be placed');
      }
      system.push(...systemTexts(message, where));
      return;
    }
    turns.push(toTurn(message, role, where));
  });
  const merged = alternate(turns);
  const last = merged[merged.length - 1];
  if (last === undefined) throw unsupported('messages', 'Anthropic needs at least one non-empty user or assistant message');
  if (last.role === 'assistant') {
    // Anthropic would continue a trailing assistant message (prefill); OpenAI answers after it.
    throw unsupported('messages', 'a conversation ending with an assistant message means a new reply to OpenAI but a continuation (prefill) to Anthropic');
  }
  return { system: systemValue(system), messages: merged };
}
