/**
 * Per-request scripting. A test writes `[[mock:{...json...}]]` into the LAST user message and the mock
 * obeys it for that request only, so concurrent tests never share mutable mock state.
 * An unparsable or invalid directive is ignored (the reply says so in the `x-mock-directive` header).
 */
import { z } from 'zod';
import { MOCK_ERROR_CODES } from './error-bodies.js';

const count = z.number().int().min(0);
const delayMs = z.number().int().min(0).max(600_000);

const directiveSchema = z.strictObject({
  prompt_tokens: count.optional(),
  completion_tokens: count.optional(),
  /** OpenAI `prompt_tokens_details.cached_tokens`; Anthropic `cache_read_input_tokens`. */
  cached_tokens: count.optional(),
  cache_write_5m: count.optional(),
  cache_write_1h: count.optional(),
  /** OpenAI only (chat and Responses API); part of completion_tokens. */
  reasoning_tokens: count.optional(),
  /** Answer with this status and an error body (3xx: a redirect, as a misconfigured base URL gets). */
  status: z.number().int().min(300).max(599).optional(),
  /**
   * Answer with this failure as the provider really words it: its own status (unless `status` is
   * given), error type, code and param; e.g. `context_length_exceeded`, `insufficient_quota` (see error-bodies.ts).
   */
  error_code: z.enum(MOCK_ERROR_CODES).optional(),
  error_after_tokens: count.optional(),
  /**
   * A stream: after this many content tokens, the provider's own error event in its format (chat
   * `data: {"error":{...}}`, Responses API `response.failed`, Anthropic `event: error` with an
   * `overloaded_error`), then the end of the stream; its 200 status was sent already.
   */
  error_event_after_tokens: count.optional(),
  /** JSON (bodies and stream events) written as Python's json.dumps writes it, `"key": value`, as vLLM-style servers do. */
  json_spaces: z.boolean().optional(),
  /** A non-streamed reply: send the 200 status, headers and half the body, then reset the connection. */
  break_body: z.boolean().optional(),
  first_byte_delay_ms: delayMs.optional(),
  chunk_delay_ms: delayMs.optional(),
  tool_call: z
    .strictObject({
      name: z.string().min(1),
      /** A JSON string (OpenAI style) or an object (Anthropic style); both providers get their own shape. */
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    })
    .optional(),
  random_usage: z.boolean().optional(),
  /**
   * Anthropic replies: open with a thinking block of this text and a signature (as extended thinking
   * does), before the text or tool_use block. OpenAI replies ignore it.
   */
  thinking: z.string().min(1).max(20_000).optional(),
  /** Apply this directive only when the request is for this (upstream) model; e.g. fail one target of a fallback chain. */
  only_model: z.string().optional(),
  /**
   * OpenAI chat and Responses API replies (streamed or not): this text instead of vocabulary words, streamed word by word;
   * completion_tokens defaults to its token count. Anthropic replies still use vocabulary words.
   */
  reply_text: z.string().max(200_000).optional(),
  /**
   * The service tier the reply says served it, whatever the request asked for: a provider that
   * downgrades a priority request, or an Anthropic organisation with Priority Tier capacity.
   */
  service_tier: z.string().min(1).max(32).optional(),
  /** Web searches the provider ran: Anthropic's usage.server_tool_use.web_search_requests; the Responses API's web_search_call output items. */
  web_search_requests: count.optional(),
  /** Misbehave like a provider that overruns the requested output bound (tests the gateway's stream cut). */
  ignore_max_tokens: z.boolean().optional(),
});

export type Directive = z.infer<typeof directiveSchema>;

/** `applied` when a valid directive was found, `invalid` when one was found but rejected. */
export type DirectiveResult =
  | { state: 'none' }
  | { state: 'invalid' }
  | { state: 'applied'; directive: Directive };

const OPEN = '[[mock:';
const CLOSE = ']]';
const NONE: DirectiveResult = { state: 'none' };
const INVALID: DirectiveResult = { state: 'invalid' };

export function findDirective(text: string | undefined): DirectiveResult {
  if (text === undefined) return NONE;
  const start = text.indexOf(OPEN);
  if (start < 0) return NONE;
  const jsonStart = start + OPEN.length;
  // The JSON itself may contain "]]" (nested arrays), so try each closing marker until one parses.
  for (let end = text.indexOf(CLOSE, jsonStart); end >= 0; end = text.indexOf(CLOSE, end + 1)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text.slice(jsonStart, end));
    } catch {
      continue;
    }
    const parsed = directiveSchema.safeParse(raw);
    return parsed.success ? { state: 'applied', directive: parsed.data } : INVALID;
  }
  return INVALID;
}

/** Whether a directive applies to this request (its only_model, if any, names the request's model). */
export function appliesTo(d: Directive, body: Record<string, unknown>): boolean {
  return d.only_model === undefined || d.only_model === body['model'];
}
