/**
 * When the client's API shape differs from the provider's (an OpenAI client served by an Anthropic
 * model, or an Anthropic client by an OpenAI-compatible one), the request is translated before the
 * call and the answer after it. Metering stays on the provider's own format: upstream bytes go
 * through the provider's meter first, then through the translator to the client.
 */
import { GatewayError } from '../errors.js';
import type { ApiShape, Endpoint } from '../providers/types.js';
import {
  AnthropicToOpenAIStream,
  OpenAIToAnthropicStream,
  toAnthropicRequest,
  toAnthropicResponse,
  toOpenAIRequest,
  toOpenAIResponse,
} from '../translate/index.js';
import type { CallContext, RouteTarget } from './context.js';
import type { GatewayDeps, ModelRuntime } from './deps.js';

export interface StreamTranslator {
  push(input: Buffer | string | null): string;
  end(): string;
}

export interface Translation {
  /** The endpoint and body in the provider's shape. */
  endpoint: Endpoint;
  body: Record<string, unknown>;
  rawBody: Buffer;
  /** The provider's complete response in the client's shape. */
  response(body: Buffer): Buffer;
  stream(): StreamTranslator;
  /** Whether the provider's stream meter must keep the usage chunk (the translator needs it). */
  keepUsageChunk: boolean;
}

/** Whether a provider of this kind can serve the call: natively, or through a translation that exists (not for embeddings or the Responses API). */
export function canServe(ctx: CallContext, kind: ApiShape): boolean {
  return kind === ctx.api || (ctx.endpoint !== 'embeddings' && ctx.endpoint !== 'responses');
}

/** Refuses the endpoints that have no translation to the target provider's shape (checked when routing, and per attempt). */
export function assertTranslatable(ctx: CallContext, target: RouteTarget): void {
  const kind = target.provider.adapter.kind;
  if (canServe(ctx, kind)) return;
  if (ctx.endpoint === 'embeddings') {
    throw new GatewayError('unsupported_format', `Embeddings cannot be served by the ${kind}-format model "${target.model}".`, { details: { param: 'model' } });
  }
  if (ctx.endpoint === 'responses') {
    // Translating the Responses API (items, server-side state, its event stream) to Messages is not built.
    throw new GatewayError(
      'unsupported_endpoint',
      `The Responses API (/v1/responses) cannot be served by the model "${target.model}": its provider "${target.provider.name}" is ${kind}-format. ` +
        'Call it through /v1/chat/completions or /v1/messages.',
      { details: { param: 'model' } },
    );
  }
}

/**
 * Whether this request can be sent to the model in its provider's format: natively, or through a
 * translation of the endpoint and of every field the request uses (an OpenAI `n: 2` or `logprobs` has
 * no Anthropic equivalent). A fallback chain leaves out the targets that cannot serve the request.
 */
export function canSendTo(deps: GatewayDeps, ctx: CallContext, m: ModelRuntime): boolean {
  const kind = m.provider.adapter.kind;
  if (kind === ctx.api) return true;
  if (!deps.canTranslate || !canServe(ctx, kind)) return false;
  try {
    planTranslation(deps, ctx, { requested: m.name, model: m.name, upstreamModel: m.upstreamModel, provider: m.provider, rates: m.rates });
    return true;
  } catch (err) {
    if (err instanceof GatewayError && (err.code === 'unsupported_format' || err.code === 'unsupported_endpoint')) return false;
    throw err;
  }
}

export function planTranslation(deps: GatewayDeps, ctx: CallContext, target: RouteTarget): Translation | null {
  const kind = target.provider.adapter.kind;
  if (kind === ctx.api) return null;
  assertTranslatable(ctx, target);
  const created = Math.floor(deps.now() / 1000);
  // The answer names the model that served it as its provider reported it, as an untranslated answer
  // does (the provider's bytes): after a fallback, not the model the client asked for (the
  // x-tollgate-model header names the served model's configured name).
  const defaultModel = target.upstreamModel;
  if (ctx.api === 'openai') {
    const body = toAnthropicRequest(ctx.body, { model: target.upstreamModel, defaultMaxTokens: deps.config.defaults.max_tokens });
    return {
      endpoint: 'messages',
      body,
      rawBody: Buffer.from(JSON.stringify(body)),
      response: (b) => Buffer.from(JSON.stringify(toOpenAIResponse(JSON.parse(b.toString('utf8')) as Record<string, unknown>, { created, defaultModel }))),
      stream: () => new AnthropicToOpenAIStream({ created, includeUsage: ctx.clientWantsUsage, defaultModel }),
      keepUsageChunk: false,
    };
  }
  const body = toOpenAIRequest(ctx.body, { model: target.upstreamModel, streamUsage: ctx.stream, maxTokensField: target.provider.maxTokensField });
  return {
    endpoint: 'chat',
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    response: (b) => Buffer.from(JSON.stringify(toAnthropicResponse(JSON.parse(b.toString('utf8')) as Record<string, unknown>, { defaultModel }))),
    stream: () => new OpenAIToAnthropicStream({ defaultModel }),
    keepUsageChunk: true,
  };
}
