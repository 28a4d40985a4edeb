/**
 * Stage 6 — meter: final token counts and the integer cost. When a call reached the provider but its
 * usage never arrived (a stream cut or aborted), count with a tokenizer and mark the row estimated.
 */
import { costOf, ratesForTier, type ModelRates } from '../pricing/price-book.js';
import { TokenCounter } from '../pricing/token-counter.js';
import type { CallContext } from './context.js';

/** Counting runs in a worker started on first need (most gateways never need it), gone when idle. */
const tokens = new TokenCounter();

export function promptText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      add(o['text']);
      add(o['content']);
      // Responses API items: a tool call's arguments and a tool's output.
      add(o['arguments']);
      add(o['output']);
    }
  };
  add(body['system']);
  add(body['instructions']);
  add(body['messages']);
  add(body['input']);
  return parts.join('\n');
}

/** An estimate of a request's prompt tokens (o200k), for /v1/messages/count_tokens. */
export function countPromptTokens(body: Record<string, unknown>): Promise<number> {
  const tools = body['tools'];
  const text = promptText(body);
  return tokens.count(Array.isArray(tools) && tools.length > 0 ? `${text}\n${JSON.stringify(tools)}` : text);
}

/**
 * What the call saved against what the client asked for: a cache hit saves what the original answer
 * cost (at the rates of the service tier it was billed at, kept with the cache entry);
 * a call routed or downgraded to another model saves the difference at the requested model's prices.
 */
function savings(ctx: CallContext, requestedRates: ModelRates | null): number {
  if (ctx.cacheHit) return ctx.target?.rates ? costOf(ratesForTier(ctx.target.rates, ctx.serviceTier), ctx.usage) : 0;
  if (!ctx.target || ctx.target.model === ctx.target.requested || !requestedRates || ctx.status !== 'ok') return 0;
  return costOf(ratesForTier(requestedRates, ctx.serviceTier), ctx.usage) - ctx.costNanos;
}

/** The call reached the provider but its usage never arrived (a stream cut or aborted): it must be estimated. */
export function needsEstimate(ctx: CallContext): boolean {
  return !ctx.cacheHit && ctx.upstreamSent && !ctx.usageComplete && !(ctx.firstByteAt !== null && !ctx.upstreamOk);
}

/** Count the prompt (unless the provider reported it) and what was generated with the tokenizer. */
export async function estimateUsage(ctx: CallContext): Promise<void> {
  const [prompt, generated] = await Promise.all([ctx.promptKnown ? null : tokens.count(promptText(ctx.body)), tokens.count(ctx.generatedText)]);
  if (prompt !== null) {
    ctx.usage.input = prompt;
    ctx.usage.cachedInput = 0;
  }
  ctx.usage.output = Math.max(ctx.usage.output, generated - ctx.usage.reasoning);
  // Its usage went with the body: the output it was allowed (max_tokens x choices, after any clamp) is
  // what a hard budget must assume the provider generated and bills.
  if (ctx.answerLost) ctx.usage.output = Math.max(ctx.usage.output, lostAnswerBound(ctx));
  ctx.estimated = true;
}

function lostAnswerBound(ctx: CallContext): number {
  const bound = ctx.seen.outputBound ?? 0;
  if (ctx.clampedTo === null) return bound;
  const n = typeof ctx.body['n'] === 'number' && ctx.body['n'] > 1 ? ctx.body['n'] : 1;
  return Math.min(bound, ctx.clampedTo * n);
}

/** The call's integer cost and what it saved, from its (reported or estimated) usage. */
export function price(ctx: CallContext, requestedRates: ModelRates | null = null): void {
  // One request answered (a cache hit's original one included) or, estimated, possibly billed: a model
  // priced per request (search models) bills it on top of the tokens.
  if (ctx.usageComplete || ctx.estimated) ctx.usage.requests = 1;
  ctx.costNanos = ctx.cacheHit || !ctx.target?.rates ? 0 : servedCost(ctx, ctx.target.rates);
  ctx.savedNanos = savings(ctx, requestedRates);
}

/**
 * The call's cost at the rates of the service tier that served it (the standard rates when the
 * provider named none, or one nobody priced). An estimate whose tier never came (the usage, which
 * carries it, was lost) takes the dearer of the standard rates and those of the tier the request named.
 */
function servedCost(ctx: CallContext, rates: ModelRates): number {
  const served = costOf(ratesForTier(rates, ctx.serviceTier), ctx.usage);
  if (ctx.serviceTier !== null || !ctx.estimated || !rates.serviceTiers) return served;
  const asked = ctx.body['service_tier'];
  return typeof asked === 'string' ? Math.max(served, costOf(ratesForTier(rates, asked), ctx.usage)) : served;
}
