/**
 * Anthropic content blocks -> OpenAI content parts. `cache_control` on any block is a prompt caching
 * hint (OpenAI caches by itself) and is dropped; every other field that changes what the model sees
 * is either mapped or refused.
 */
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { unsupported } from './refusal.js';

/** Block fields with no effect on the answer. */
const HINTS = new Set(['type', 'cache_control']);

/** Refuses fields of a block beyond the ones its converter reads and the hints. */
export function checkBlockFields(block: JsonObject, read: readonly string[], where: string): void {
  for (const [field, value] of Object.entries(block)) {
    if (HINTS.has(field) || read.includes(field) || isUnset(value)) continue;
    if (field === 'citations' && Array.isArray(value) && value.length === 0) continue;
    // Echoed tool_use blocks say who called the tool; "direct" (the model itself) is the only kind here.
    if (field === 'caller' && isObject(value) && value['type'] === 'direct') continue;
    throw unsupported(`${where}.${field}`, `"${String(block['type'])}" blocks with "${field}" have no OpenAI equivalent`);
  }
}

export function textOf(block: JsonObject, where: string): string {
  checkBlockFields(block, ['text'], where);
  const { text } = block;
  if (typeof text !== 'string') throw unsupported(`${where}.text`, 'a text block needs text');
  return text;
}

/** Image block -> `image_url` part: a base64 source becomes a data URL, a url source stays a URL. */
export function imagePart(block: JsonObject, where: string): JsonObject {
  checkBlockFields(block, ['source'], where);
  const source = block['source'];
  if (isObject(source) && source['type'] === 'base64' && typeof source['media_type'] === 'string' && typeof source['data'] === 'string') {
    return { type: 'image_url', image_url: { url: `data:${source['media_type']};base64,${source['data']}` } };
  }
  if (isObject(source) && source['type'] === 'url' && typeof source['url'] === 'string') {
    return { type: 'image_url', image_url: { url: source['url'] } };
  }
  throw unsupported(`${where}.source`, 'only base64 and url image sources can be translated (not Files API ids)');
}

/** Text and image blocks as content parts; `allowImages` is false where OpenAI takes text only. */
export function contentParts(content: unknown, where: string, allowImages: boolean): string | JsonObject[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw unsupported(where, 'content must be a string or an array of blocks');
  return content.map((block: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(block)) throw unsupported(at, 'a content block must be an object');
    if (block['type'] === 'text') return { type: 'text', text: textOf(block, at) };
    if (block['type'] === 'image' && allowImages) return imagePart(block, at);
    throw unsupported(at, `"${String(block['type'])}" blocks have no OpenAI equivalent here`);
  });
}
