/** Reading text out of request bodies whose shape the mock does not trust (it parses `unknown`). */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text part types: chat and Anthropic `text`, Responses API `input_text` and `output_text`. */
const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

/**
 * The text of a message `content`: a string, or an array of parts of which the text ones count
 * (`{type:"text", text}` in OpenAI chat and Anthropic, `input_text` / `output_text` in the Responses
 * API). Images, tool results etc. contribute nothing.
 */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isObject(part) && TEXT_PARTS.has(part['type'] as string) && typeof part['text'] === 'string') text += part['text'];
  }
  return text;
}

/** All message texts concatenated, and the text of the last `user` message (where directives live). */
export function readMessages(messages: unknown): { allText: string; lastUserText: string | undefined } {
  let allText = '';
  let lastUserText: string | undefined;
  if (!Array.isArray(messages)) return { allText, lastUserText };
  for (const message of messages) {
    if (!isObject(message)) continue;
    const text = contentText(message['content']);
    allText += text;
    if (message['role'] === 'user') lastUserText = text;
  }
  return { allText, lastUserText };
}

/** A non-negative integer field, or undefined. */
export function intField(body: JsonObject, key: string): number | undefined {
  const value = body[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
