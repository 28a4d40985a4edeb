/**
 * A complete non-streaming response body folded from the stream a client received, so a streamed miss
 * can be cached like any other response and a later hit (streamed or not) says what the miss said.
 * The fold mirrors what the official SDKs do with a stream (OpenAI `ChatCompletionStream`, Anthropic
 * `MessageStream`): every choice, tool names and ids, the finish/stop reason, thinking blocks with their
 * signatures, usage. Whatever it cannot rebuild exactly makes it return null: the answer is then not
 * cached (see README.md for the list).
 */
import { assembleAnthropic } from './assemble-anthropic.js';
import { assembleOpenai } from './assemble-openai.js';
import { sseData } from './sse-data.js';
import type { CacheApi, CachedUsage } from './types.js';

export interface AssembleInput {
  api: CacheApi;
  /** The SSE text of the whole stream, in the client API's format. */
  sse: string;
  /**
   * The call's metered usage, for an OpenAI stream without a usage chunk (the client did not ask for
   * one and the provider's was dropped): the body's usage is then rebuilt from Tollgate's token classes.
   */
  usage: CachedUsage;
}

/** The body in the client API's shape, or null when the stream cannot be rebuilt exactly. */
export function assembleResponse(input: AssembleInput): string | null {
  const events = sseData(input.sse);
  if (events === null) return null;
  const body = input.api === 'openai' ? assembleOpenai(events, input.usage) : assembleAnthropic(events);
  return body === null ? null : JSON.stringify(body);
}
