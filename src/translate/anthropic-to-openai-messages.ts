/**
 * Anthropic `system` + `messages` -> OpenAI `messages`. A user turn's `tool_result` blocks become
 * `tool` messages placed before the rest of that turn (OpenAI wants them right after the assistant's
 * tool calls); an assistant turn's `tool_use` blocks become `tool_calls`.
 */
import { checkBlockFields, contentParts, imagePart, textOf } from './anthropic-to-openai-content.js';
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { unsupported } from './refusal.js';

/** Earlier turns' thinking: Anthropic itself leaves it out of the context of later turns (README). */
const PAST_THINKING = new Set(['thinking', 'redacted_thinking']);

/** A string stays a string; a single text part becomes a string too; more parts stay parts. */
function simplified(parts: string | JsonObject[]): string | JsonObject[] {
  if (typeof parts === 'string') return parts;
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && only['type'] === 'text' && typeof only['text'] === 'string') return only['text'];
  return parts;
}

function toolMessage(block: JsonObject, where: string): JsonObject {
  // is_error: OpenAI has no such flag; the error text itself is in the content and is kept (README).
  checkBlockFields(block, ['tool_use_id', 'content', 'is_error'], where);
  const id = block['tool_use_id'];
  if (typeof id !== 'string') throw unsupported(`${where}.tool_use_id`, 'a tool_result needs a tool_use_id');
  const raw = block['content'];
  const content = isUnset(raw) ? '' : simplified(contentParts(raw, `${where}.content`, false));
  return { role: 'tool', tool_call_id: id, content };
}

function userMessages(content: unknown, where: string): JsonObject[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) throw unsupported(`${where}.content`, 'it must be a string or an array of blocks');
  const tools: JsonObject[] = [];
  const parts: JsonObject[] = [];
  content.forEach((block: unknown, i) => {
    const at = `${where}.content[${i}]`;
    if (!isObject(block)) throw unsupported(at, 'a content block must be an object');
    if (block['type'] === 'tool_result') tools.push(toolMessage(block, at));
    else if (block['type'] === 'text') parts.push({ type: 'text', text: textOf(block, at) });
    else if (block['type'] === 'image') parts.push(imagePart(block, at));
    else throw unsupported(at, `"${String(block['type'])}" blocks have no OpenAI equivalent`);
  });
  return parts.length === 0 ? tools : [...tools, { role: 'user', content: simplified(parts) }];
}

function toolCall(block: JsonObject, where: string): JsonObject {
  checkBlockFields(block, ['id', 'name', 'input'], where);
  const { id, name, input } = block;
  if (typeof id !== 'string' || typeof name !== 'string') throw unsupported(where, 'a tool_use block needs an id and a name');
  return { id, type: 'function', function: { name, arguments: JSON.stringify(input ?? {}) } };
}

function assistantMessage(content: unknown, where: string): JsonObject | undefined {
  if (typeof content === 'string') return { role: 'assistant', content };
  if (!Array.isArray(content)) throw unsupported(`${where}.content`, 'it must be a string or an array of blocks');
  const texts: JsonObject[] = [];
  const calls: JsonObject[] = [];
  content.forEach((block: unknown, i) => {
    const at = `${where}.content[${i}]`;
    if (!isObject(block)) throw unsupported(at, 'a content block must be an object');
    if (block['type'] === 'text') texts.push({ type: 'text', text: textOf(block, at) });
    else if (block['type'] === 'tool_use') calls.push(toolCall(block, at));
    else if (!PAST_THINKING.has(String(block['type']))) {
      throw unsupported(at, `"${String(block['type'])}" blocks have no OpenAI equivalent`);
    }
  });
  if (texts.length === 0 && calls.length === 0) return undefined;
  const message: JsonObject = { role: 'assistant', content: texts.length === 0 ? null : simplified(texts) };
  if (calls.length > 0) message['tool_calls'] = calls;
  return message;
}

function systemMessage(system: unknown, where: string): JsonObject {
  return { role: 'system', content: simplified(contentParts(system, where, false)) };
}

export function convertToOpenAIMessages(system: unknown, messages: unknown): JsonObject[] {
  if (!Array.isArray(messages)) throw unsupported('messages', 'it must be an array');
  const out: JsonObject[] = [];
  if (!isUnset(system) && system !== '') out.push(systemMessage(system, 'system'));
  messages.forEach((message: unknown, i) => {
    const where = `messages[${i}]`;
    if (!isObject(message)) throw unsupported(where, 'a message must be an object');
    for (const field of Object.keys(message)) {
      if (field !== 'role' && field !== 'content') throw unsupported(`${where}.${field}`, 'it has no OpenAI equivalent');
    }
    const role = message['role'];
    const content = message['content'];
    if (role === 'user') out.push(...userMessages(content, where));
    else if (role === 'system') out.push(systemMessage(content, `${where}.content`));
    else if (role === 'assistant') {
      const reply = assistantMessage(content, where);
      if (reply !== undefined) out.push(reply);
    } else throw unsupported(`${where}.role`, `"${String(role)}" is not a message role`);
  });
  const last = messages[messages.length - 1];
  if (isObject(last) && last['role'] === 'assistant') {
    throw unsupported('messages', 'a trailing assistant message is a prefill Anthropic continues; OpenAI would start a new reply instead');
  }
  return out;
}
