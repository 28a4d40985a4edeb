/**
 * The price book: per-model rates and what a usage costs. Rates are USD per million tokens; a rate may
 * be tiered on the size of the whole prompt (long-context pricing reprices the whole request once the
 * prompt crosses a tier). Pure: the rates come from config (here) or from the catalogue (catalogue.ts,
 * looked up once at start in a short-lived worker, model-rates.ts), so the gateway never holds it.
 *
 * Service tiers (OpenAI `priority` / `flex`, Anthropic's Priority Tier) are priced separately: a model
 * may carry rates per tier (`serviceTiers`), and a call is priced at the rates of the tier the provider
 * says served it. The catalogue has no per-tier prices (its "tiers" are the long-context ones above),
 * so tier rates come from config only; a tier without rates is priced at the standard rates.
 */
import type { ModelConfig } from '../config/schema.js';
import type { NanoUsd } from './money.js';
import { emptyUsage, promptTokens, type TokenUsage } from './usage.js';

export interface Tiered {
  base: number;
  tiers: { start: number; price: number }[];
}
export type Rate = number | Tiered;

/** What each token class costs. */
export interface TokenRates {
  input: Rate;
  cachedInput: Rate;
  cacheWrite5m: Rate;
  cacheWrite1h: Rate;
  output: Rate;
  reasoning: Rate;
  /** USD per 1,000 web searches the provider runs for a call (TokenUsage.webSearches). */
  webSearchPerK?: number;
  /** USD per 1,000 requests, billed per call on top of tokens (TokenUsage.requests). */
  requestPerK?: number;
}

export interface ModelRates extends TokenRates {
  source: 'config' | 'catalogue';
  /**
   * Rates by the service tier name the provider reports (`priority`, `flex`...), for the tiers priced
   * apart from the standard rates above; absent when none is (the common case costs nothing).
   */
  serviceTiers?: Readonly<Record<string, TokenRates>>;
}

/**
 * The rates of the tier that served a call: that tier's own when they are known, otherwise the
 * standard rates (no tier reported, the standard tier itself, or a tier nobody priced: neither the
 * catalogue nor the config knows its prices, so standard is the best price Tollgate has).
 */
export function ratesForTier(rates: ModelRates, tier: string | null): TokenRates {
  const tiers = rates.serviceTiers;
  if (tier === null || tiers === undefined || !Object.hasOwn(tiers, tier)) return rates;
  return tiers[tier] ?? rates;
}

function rateAt(rate: Rate, prompt: number): number {
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (prompt > tier.start) price = tier.price;
  return price;
}

/**
 * What a typical call (1,000 tokens in, 250 out, one request) costs at these rates: how routing's
 * "cheapest" ranks models, in the gateway, `routes test` and replay alike.
 */
export function typicalCallCost(rates: TokenRates): NanoUsd {
  return costOf(rates, { ...emptyUsage(), input: 1000, output: 250, requests: 1 });
}

/** Cost of a call in integer nano-dollars: one multiplication per class, rounded once. */
export function costOf(rates: TokenRates, u: TokenUsage): NanoUsd {
  const p = promptTokens(u);
  // $/Mtok * tokens = micro-dollars; * 1000 = nano-dollars.
  const micro =
    rateAt(rates.input, p) * u.input +
    rateAt(rates.cachedInput, p) * u.cachedInput +
    rateAt(rates.cacheWrite5m, p) * u.cacheWrite5m +
    rateAt(rates.cacheWrite1h, p) * u.cacheWrite1h +
    rateAt(rates.output, p) * u.output +
    rateAt(rates.reasoning, p) * u.reasoning +
    // $ per 1,000 searches (or requests) = 1,000 micro-dollars per search per $.
    (u.webSearches ?? 0) * (rates.webSearchPerK ?? 0) * 1000 +
    (u.requests ?? 0) * (rates.requestPerK ?? 0) * 1000;
  return Math.round(micro * 1000);
}

/**
 * The most a call can cost: every prompt token at the dearest input-side rate (cache writes cost more
 * than plain input), every output token at the dearest output rate, at the tier of the prompt bound.
 * Rounded up, so a reservation is never below the real cost.
 *
 * `requestedTier` is the request's `service_tier`. The provider may serve a call on the standard tier
 * whatever it asked for, so the standard rates always count; a named tier counts too when it costs
 * more (a `priority` call reserves at priority rates). Without one (absent, or "auto") the provider
 * picks from the account's settings (OpenAI's project default, Anthropic's Priority Tier capacity),
 * so every priced tier counts: a budget must not be overshot by a tier the request never named.
 * A per-request fee (search models) is on the input side: the call pays it whatever it generates.
 */
export function worstCaseNanos(rates: ModelRates, promptBound: number, maxOutput: number, requestedTier?: unknown): { total: number; input: number; outputPerToken: number } {
  let inRate = inputRateAt(rates, promptBound);
  let outRate = outputRateAt(rates, promptBound);
  let requestPerK = rates.requestPerK ?? 0;
  const count = (t: TokenRates): void => {
    inRate = Math.max(inRate, inputRateAt(t, promptBound));
    outRate = Math.max(outRate, outputRateAt(t, promptBound));
    requestPerK = Math.max(requestPerK, t.requestPerK ?? 0);
  };
  const tiers = rates.serviceTiers;
  if (tiers !== undefined) {
    if (typeof requestedTier === 'string' && requestedTier !== 'auto') {
      const t = Object.hasOwn(tiers, requestedTier) ? tiers[requestedTier] : undefined;
      if (t !== undefined) count(t);
    } else {
      for (const name in tiers) count(tiers[name]!);
    }
  }
  // $ per 1,000 requests = 1e6 nano-dollars per request per $.
  const input = Math.ceil(promptBound * inRate * 1000) + Math.ceil(requestPerK * 1e6);
  const outputPerToken = outRate * 1000;
  return { total: input + Math.ceil(maxOutput * outputPerToken), input, outputPerToken };
}

function inputRateAt(r: TokenRates, promptBound: number): number {
  return Math.max(rateAt(r.input, promptBound), rateAt(r.cacheWrite5m, promptBound), rateAt(r.cacheWrite1h, promptBound), rateAt(r.cachedInput, promptBound));
}

function outputRateAt(r: TokenRates, promptBound: number): number {
  return Math.max(rateAt(r.output, promptBound), rateAt(r.reasoning, promptBound));
}

type TokenPriceConfig = Omit<NonNullable<ModelConfig['price']>, 'service_tiers'>;

/** A config price's token rates; the optional classes default as documented in config/schema.ts. */
function configTokenRates(price: TokenPriceConfig): TokenRates {
  const cacheWrite = price.cache_write_per_mtok ?? price.input_per_mtok;
  return {
    input: price.input_per_mtok,
    cachedInput: price.cached_input_per_mtok ?? price.input_per_mtok,
    cacheWrite5m: cacheWrite,
    cacheWrite1h: price.cache_write_1h_per_mtok ?? cacheWrite,
    output: price.output_per_mtok,
    reasoning: price.reasoning_per_mtok ?? price.output_per_mtok,
    ...(price.web_searches_per_k !== undefined ? { webSearchPerK: price.web_searches_per_k } : {}),
    ...(price.requests_per_k !== undefined ? { requestPerK: price.requests_per_k } : {}),
  };
}

export function configRates(price: NonNullable<ModelConfig['price']>): ModelRates {
  const rates: ModelRates = { ...configTokenRates(price), source: 'config' };
  const tiers = price.service_tiers;
  if (tiers !== undefined && Object.keys(tiers).length > 0) {
    // A tier's web searches and requests cost what the standard ones do unless the tier says otherwise.
    const fees = { webSearchPerK: rates.webSearchPerK, requestPerK: rates.requestPerK };
    rates.serviceTiers = Object.fromEntries(Object.entries(tiers).map(([name, p]) => [name, { ...fees, ...configTokenRates(p) }]));
  }
  return rates;
}
