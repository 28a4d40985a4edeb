/**
 * Every number a reply reports, decided once per request from the counted prompt, the request's own
 * limits, the server defaults and the directive. The wire writers only format what is planned here,
 * so usage in a body, in a stream and in the stats can never disagree.
 */
import type { Directive } from './directive.js';
import { failureStatus, type MockErrorCode } from './error-bodies.js';
import { isObject } from './message-text.js';
import { countTokens } from './token-count.js';
import { replyPieces } from './words.js';

export interface PlannedToolCall {
  name: string;
  /** The arguments as a JSON string (OpenAI `function.arguments`, Anthropic `input_json_delta`). */
  argumentsJson: string;
  /** The same arguments as an object (Anthropic `input`). */
  input: Record<string, unknown>;
}

export interface ReplyPlan {
  /** Total prompt tokens, cached and cache-written included. */
  promptTokens: number;
  cachedTokens: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoningTokens: number;
  /** The usage value; includes reasoning tokens (OpenAI semantics). */
  completionTokens: number;
  /** Visible words in the reply: completion minus reasoning, or 0 for a tool call. */
  textTokens: number;
  /** The directive's reply_text in stream pieces (cut at the output bound), or undefined for vocabulary words. */
  textPieces: string[] | undefined;
  /** The request's max tokens cut the reply short (finish_reason `length`, stop_reason `max_tokens`). */
  truncated: boolean;
  toolCall: PlannedToolCall | undefined;
  status: number | undefined;
  /** The named failure the error answer words (with `status`). */
  failure: MockErrorCode | undefined;
  errorAfterTokens: number | undefined;
  /** A stream: the provider's error event after this many content tokens. */
  errorEventAfterTokens: number | undefined;
  /** JSON written in json.dumps style (`"key": value`). */
  jsonSpaces: boolean;
  /** Non-streamed only: reset the connection half way through the 200 answer's body. */
  breakBody: boolean;
  firstByteDelayMs: number;
  chunkDelayMs: number;
  /** Web searches an Anthropic reply reports having run. */
  webSearches: number;
  /** The service tier the reply reports (OpenAI `service_tier`, Anthropic `usage.service_tier`). */
  serviceTier: string;
}

export interface PlanInput {
  countedPromptTokens: number;
  directive: Directive | undefined;
  /** Completion tokens when no directive says otherwise (the server default, maybe padded). */
  defaultTokens: number;
  latencyMs: number;
  chunkDelayMs: number;
  /** The request's own cap (max_tokens / max_completion_tokens), if any. */
  maxTokens: number | undefined;
  /** Tool calls are only answered when the request offered tools, as a real model would. */
  hasTools: boolean;
  /** The tier the provider would serve the request on when no directive says otherwise (default `default`). */
  servedTier?: string;
  /** Whose statuses a named failure takes (default OpenAI's). */
  family?: 'openai' | 'anthropic';
}

export function planReply(input: PlanInput): ReplyPlan {
  const d = input.directive ?? {};
  const cachedTokens = d.cached_tokens ?? 0;
  const cacheWrite5m = d.cache_write_5m ?? 0;
  const cacheWrite1h = d.cache_write_1h ?? 0;
  // A prompt can never be smaller than its cached and cache-written parts.
  const promptTokens = Math.max(
    d.prompt_tokens ?? input.countedPromptTokens,
    cachedTokens + cacheWrite5m + cacheWrite1h,
  );

  const reasoningTokens = d.reasoning_tokens ?? 0;
  let completionTokens = d.completion_tokens ?? (d.reply_text !== undefined ? countTokens(d.reply_text) : input.defaultTokens);
  if (d.random_usage === true && completionTokens > 0) {
    completionTokens = 1 + Math.floor(Math.random() * completionTokens);
  }
  completionTokens = Math.max(completionTokens, reasoningTokens);
  let truncated = false;
  if (input.maxTokens !== undefined && completionTokens > input.maxTokens && d.ignore_max_tokens !== true) {
    completionTokens = input.maxTokens;
    truncated = true;
  }

  const toolCall = d.tool_call !== undefined && input.hasTools ? planToolCall(d.tool_call) : undefined;
  const textTokens = toolCall !== undefined ? 0 : Math.max(0, completionTokens - reasoningTokens);
  let textPieces: string[] | undefined;
  if (d.reply_text !== undefined && toolCall === undefined) {
    textPieces = replyPieces(d.reply_text);
    if (truncated && textPieces.length > textTokens) textPieces = textPieces.slice(0, textTokens);
  }

  return {
    promptTokens,
    cachedTokens,
    cacheWrite5m,
    cacheWrite1h,
    reasoningTokens: Math.min(reasoningTokens, completionTokens),
    completionTokens,
    textTokens,
    textPieces,
    truncated: truncated && toolCall === undefined,
    toolCall,
    status: d.status ?? (d.error_code === undefined ? undefined : failureStatus(input.family ?? 'openai', d.error_code)),
    failure: d.error_code,
    errorAfterTokens: d.error_after_tokens,
    errorEventAfterTokens: d.error_event_after_tokens,
    jsonSpaces: d.json_spaces ?? false,
    breakBody: d.break_body ?? false,
    firstByteDelayMs: d.first_byte_delay_ms ?? input.latencyMs,
    chunkDelayMs: d.chunk_delay_ms ?? input.chunkDelayMs,
    serviceTier: d.service_tier ?? input.servedTier ?? 'default',
    webSearches: d.web_search_requests ?? 0,
  };
}

function planToolCall(call: NonNullable<Directive['tool_call']>): PlannedToolCall {
  const args = call.arguments ?? {};
  if (typeof args !== 'string') return { name: call.name, argumentsJson: JSON.stringify(args), input: args };
  let input: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (isObject(parsed)) input = parsed;
  } catch {
    // Not JSON: OpenAI still receives the string verbatim; Anthropic needs an object, so gets {}.
  }
  return { name: call.name, argumentsJson: args, input };
}

/** Splits tool-call arguments into small pieces to stream, as providers do. */
export function argumentPieces(json: string, size = 8): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < json.length; i += size) pieces.push(json.slice(i, i + size));
  return pieces;
}
