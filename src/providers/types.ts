/**
 * The one interface every provider adapter implements. An adapter knows its provider's wire format:
 * how to build the upstream request from the client's, where usage lives in a response or a stream,
 * and what its error bodies look like. It never does I/O; pipeline/call.ts does.
 */
import type { TokenUsage } from '../pricing/usage.js';

/** The API shape a client speaks (and a provider kind serves natively). */
export type ApiShape = 'openai' | 'anthropic';
/** `responses` is OpenAI's Responses API (`POST /v1/responses`), served by OpenAI-kind providers only. */
export type Endpoint = 'chat' | 'messages' | 'embeddings' | 'responses';

export interface PrepareInput {
  endpoint: Endpoint;
  /** The client's parsed body; adapters must not mutate it. */
  body: Record<string, unknown>;
  /** The client's bytes, forwarded untouched when nothing in them changes. */
  rawBody: Buffer;
  upstreamModel: string;
  stream: boolean;
  /** Headers from the client the provider understands (e.g. anthropic-version), lower-case names. */
  clientHeaders: Record<string, string | string[] | undefined>;
}

export interface UpstreamRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** Usage as far as it is known; `complete` once the provider's final usage arrived. */
export interface MeteredUsage {
  usage: TokenUsage;
  complete: boolean;
  /** Whether the prompt side came from the provider (Anthropic sends it first, OpenAI last). */
  promptKnown: boolean;
  /** The service tier the provider says served the call (`default`, `priority`, `flex`, `standard`...), if it said. */
  serviceTier: string | null;
}

/** What a model produced: its text and the tool calls it made. */
export interface ModelOutput {
  text: string;
  toolCalls: { name: string; arguments: string }[];
}

export interface StreamMeter {
  /** Feed upstream bytes; returns the bytes to forward to the client now (null: nothing yet). */
  push(chunk: Buffer): Buffer | null;
  /** Whatever is left at the end of the upstream body. */
  flush(): Buffer | null;
  metered(): MeteredUsage;
  /** Text generated so far (content, tool arguments, thinking), for estimating when usage never came. */
  generatedText(): string;
  /** Content/tool/thinking deltas seen so far: a lower bound on generated tokens, checked against the reservation. */
  generatedDeltas(): number;
  /** generatedDeltas() > cap, asked after every push: a meter may answer from a cheaper bound while it can. */
  generatedMoreThan(cap: number): boolean;
  /** Text and tool calls of the stream so far (parsed on demand: only the run guard asks). */
  output(): ModelOutput;
  /**
   * Responses API streams: where the stream stands, so the error events Tollgate adds continue it.
   * `dropLatest`: what the latest push brought is not forwarded (the stream is cut there).
   */
  position?(dropLatest: boolean): ResponsesStreamPosition;
  /** The type of an error event the provider sent within the stream (after its 200), if it sent one. */
  upstreamError?(): string | null;
}

/** The last sequence number of a Responses API stream and the response its `response.created` announced. */
export interface ResponsesStreamPosition {
  sequence: number;
  response: Record<string, unknown> | null;
}

/** A provider's error body: its message and, when the body says, its `type`, `code` (Anthropic: `details.error_code`) and `param` (OpenAI only). */
export interface UpstreamErrorInfo {
  message: string;
  type: string | null;
  code: string | null;
  param: string | null;
}

export interface ProviderAdapter {
  readonly kind: ApiShape;
  readonly endpoints: readonly Endpoint[];
  prepare(input: PrepareInput, apiKey: string, basePath: string): UpstreamRequest;
  /** Usage from a complete non-streaming response body, or null when absent. */
  usageFromBody(endpoint: Endpoint, body: Buffer): TokenUsage | null;
  /**
   * The service tier a complete non-streaming response says served the call, or null. Read near the
   * body's end without parsing it; asked only for models priced per tier.
   */
  serviceTierOf(endpoint: Endpoint, body: Buffer): string | null;
  /** `clientWantsUsage`: whether the client itself asked for the usage chunk (OpenAI chat); `endpoint` defaults to chat. */
  streamMeter(clientWantsUsage: boolean, endpoint?: Endpoint): StreamMeter;
  parseError(body: Buffer): UpstreamErrorInfo;
  /** Text and tool calls of a complete non-streaming response. */
  outputOf(endpoint: Endpoint, body: Buffer): ModelOutput;
}
