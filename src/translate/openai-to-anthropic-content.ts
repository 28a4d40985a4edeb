/**
 * OpenAI message content (a string or content parts) -> Anthropic content blocks, and tool call ids
 * in a form Anthropic accepts.
 */
import { isObject, type JsonObject } from './json-value.js';
import { unsupported } from './refusal.js';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

/** Text blocks; Anthropic rejects empty text blocks, and an empty text says nothing, so none is made. */
function textBlocks(text: string): JsonObject[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

/** `image_url` part -> image block: data URLs become a base64 source, http(s) URLs a url source. */
function imageBlock(part: JsonObject, where: string): JsonObject {
  const image = part['image_url'];
  const url = isObject(image) ? image['url'] : undefined;
  if (typeof url !== 'string') throw unsupported(`${where}.image_url`, 'it has no url');
  // `detail` (auto/low/high) is a resolution hint with no Anthropic counterpart; it is dropped (README).
  const data = DATA_URL.exec(url);
  if (data !== null) {
    const mediaType = data[1] ?? '';
    if (!IMAGE_TYPES.has(mediaType)) {
      throw unsupported(`${where}.image_url`, `Anthropic takes image/jpeg, png, gif or webp, not ${mediaType}`);
    }
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data[2] ?? '' } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw unsupported(`${where}.image_url`, 'only data: and http(s) image URLs can be translated');
}

/**
 * A message's content as blocks. `allowImages` is true for user messages only; `refusal` parts (an
 * assistant's earlier refusal) are text the model said, so they stay text.
 */
export function contentBlocks(content: unknown, where: string, allowImages: boolean): JsonObject[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return textBlocks(content);
  if (!Array.isArray(content)) throw unsupported(`${where}.content`, 'it is neither a string nor an array of parts');
  const blocks: JsonObject[] = [];
  content.forEach((part: unknown, i) => {
    const at = `${where}.content[${i}]`;
    if (!isObject(part)) throw unsupported(at, 'a content part must be an object');
    const type = part['type'];
    if (type === 'text' && typeof part['text'] === 'string') blocks.push(...textBlocks(part['text']));
    else if (type === 'refusal' && typeof part['refusal'] === 'string') blocks.push(...textBlocks(part['refusal']));
    else if (type === 'image_url' && allowImages) blocks.push(imageBlock(part, at));
    else throw unsupported(at, `content parts of type "${String(type)}" have no Anthropic equivalent here`);
  });
  return blocks;
}

/**
 * Anthropic tool ids must match ^[a-zA-Z0-9_-]+$; some OpenAI-compatible vendors use ids such as
 * `functions.get_weather:0`. The same mapping is applied to a call and to its result, so they still pair.
 */
export function anthropicToolId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
