/**
 * What every model endpoint of the mock (chat, Responses, Messages) does around its own wire format:
 * plan the reply from the request, the server options and the directive, then after the planned delay
 * send a scripted or injected error, the stream, a reset, or the body.
 */
import type { ServerResponse } from 'node:http';
import { injectedFailure, type MockContext } from './context.js';
import { failureHeaders, type MockErrorCode } from './error-bodies.js';
import { appliesTo, type DirectiveResult } from './directive.js';
import { afterDelay, sendJson, type Headers } from './http-reply.js';
import type { JsonObject } from './message-text.js';
import { planReply, type ReplyPlan } from './reply-plan.js';
import { playStream, SSE_HEADERS, type SseFrame } from './sse-stream.js';
import { framesWithErrorEvent, spacedFrames, spacedJson } from './wire-variants.js';

export interface PlanRequest {
  body: JsonObject;
  countedPromptTokens: number;
  found: DirectiveResult;
  /** The request's own output bound, if any. */
  maxTokens: number | undefined;
  /** Whose padded default applies to non-streamed replies. */
  family: 'openai' | 'anthropic';
}

export function planRequest(ctx: MockContext, r: PlanRequest): ReplyPlan {
  const { body, found } = r;
  return planReply({
    countedPromptTokens: r.countedPromptTokens,
    directive: found.state === 'applied' && appliesTo(found.directive, body) ? found.directive : undefined,
    defaultTokens: body['stream'] === true ? ctx.opts.tokens : ctx.paddedTokens[r.family],
    latencyMs: ctx.opts.latencyMs,
    chunkDelayMs: ctx.opts.chunkDelayMs,
    maxTokens: r.maxTokens,
    hasTools: Array.isArray(body['tools']) && body['tools'].length > 0,
    servedTier: servedTier(body, r.family),
    family: r.family,
  });
}

const OPENAI_TIERS = new Set(['default', 'flex', 'priority', 'scale']);

/**
 * As the real APIs answer an account without special capacity: OpenAI serves the tier the request
 * names (`auto` or none: `default`); Anthropic serves `standard` (its Priority Tier needs a
 * commitment: a directive's `service_tier` plays that).
 */
function servedTier(body: JsonObject, family: 'openai' | 'anthropic'): string {
  if (family === 'anthropic') return 'standard';
  const asked = body['service_tier'];
  return typeof asked === 'string' && OPENAI_TIERS.has(asked) ? asked : 'default';
}

/** The endpoint's own formats, built only for the branch taken. */
export interface ReplyWriters {
  /** `failure`: the directive's named failure, worded as the provider words it. */
  errorBody(status: number, failure: MockErrorCode | undefined): string;
  frames(): SseFrame[];
  body(): string;
  /** The provider's error event within a stream, after `kept` frames (directive `error_event_after_tokens`). */
  errorEvent(kept: number): string;
}

/** The stream's frames, with the directive's error event and JSON spacing. */
function streamFrames(plan: ReplyPlan, w: ReplyWriters): SseFrame[] {
  let frames = w.frames();
  if (plan.errorEventAfterTokens !== undefined) frames = framesWithErrorEvent(frames, plan.errorEventAfterTokens, (kept) => w.errorEvent(kept));
  return plan.jsonSpaces ? spacedFrames(frames) : frames;
}

export function sendReply(ctx: MockContext, res: ServerResponse, plan: ReplyPlan, stream: boolean, headers: Headers, w: ReplyWriters): void {
  afterDelay(ctx, res, plan.firstByteDelayMs, () => {
    const status = plan.status ?? injectedFailure(ctx);
    if (status !== undefined) {
      sendJson(res, status, plan.failure ? { ...headers, ...failureHeaders(plan.failure) } : headers, w.errorBody(status, plan.failure));
    } else if (stream) {
      playStream(ctx, res, { ...SSE_HEADERS, ...headers }, {
        frames: streamFrames(plan, w),
        chunkDelayMs: plan.chunkDelayMs,
        errorAfterTokens: plan.errorAfterTokens,
      });
    } else if (plan.breakBody) {
      // The provider answered (and bills the answer), then the connection dropped mid-body.
      const body = plan.jsonSpaces ? spacedJson(w.body()) : w.body();
      res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
    } else if (plan.errorAfterTokens !== undefined) {
      // A non-streamed reply cannot stop half way; the closest failure is a reset before any byte.
      res.destroy();
    } else {
      ctx.stats.tokensSent += plan.textTokens;
      sendJson(res, 200, headers, plan.jsonSpaces ? spacedJson(w.body()) : w.body());
    }
  });
}
