/**
 * The price book: per-model rates and what a usage costs. Rates are USD per million tokens; a rate may
 * be tiered on the size of the whole prompt (long-context pricing reprices the whole request once the
 * prompt crosses a tier). Pure: the rates come from config (here) or from the catalogue (catalogue.ts,
 * looked up once at start in a short-lived worker, model-rates.ts), so the gateway never holds it.
 */
import type { ModelConfig } from '../config/schema.js';
import type { NanoUsd } from './money.js';
import { promptTokens, type TokenUsage } from './usage.js';

export interface Tiered {
  base: number;
  tiers: { start: number; price: number }[];
}
export type Rate = number | Tiered;

export interface ModelRates {
  input: Rate;
  cachedInput: Rate;
  cacheWrite5m: Rate;
  cacheWrite1h: Rate;
  output: Rate;
  reasoning: Rate;
  source: 'config' | 'catalogue';
}

function rateAt(rate: Rate, prompt: number): number {
  if (typeof rate === 'number') return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (prompt > tier.start) price = tier.price;
  return price;
}

/** Cost of a call in integer nano-dollars: one multiplication per class, rounded once. */
export function costOf(rates: ModelRates, u: TokenUsage): NanoUsd {
  const p = promptTokens(u);
  // $/Mtok * tokens = micro-dollars; * 1000 = nano-dollars.
  const micro =
    rateAt(rates.input, p) * u.input +
    rateAt(rates.cachedInput, p) * u.cachedInput +
    rateAt(rates.cacheWrite5m, p) * u.cacheWrite5m +
    rateAt(rates.cacheWrite1h, p) * u.cacheWrite1h +
    rateAt(rates.output, p) * u.output +
    rateAt(rates.reasoning, p) * u.reasoning;
  return Math.round(micro * 1000);
}

/**
 * The most a call can cost: every prompt token at the dearest input-side rate (cache writes cost more
 * than plain input), every output token at the dearest output rate, at the tier of the prompt bound.
 * Rounded up, so a reservation is never below the real cost.
 */
export function worstCaseNanos(rates: ModelRates, promptBound: number, maxOutput: number): { total: number; input: number; outputPerToken: number } {
  const inRate = Math.max(rateAt(rates.input, promptBound), rateAt(rates.cacheWrite5m, promptBound), rateAt(rates.cacheWrite1h, promptBound), rateAt(rates.cachedInput, promptBound));
  const outRate = Math.max(rateAt(rates.output, promptBound), rateAt(rates.reasoning, promptBound));
  const input = Math.ceil(promptBound * inRate * 1000);
  const outputPerToken = outRate * 1000;
  return { total: input + Math.ceil(maxOutput * outputPerToken), input, outputPerToken };
}

export function configRates(price: NonNullable<ModelConfig['price']>): ModelRates {
  const cacheWrite = price.cache_write_per_mtok ?? price.input_per_mtok;
  return {
    input: price.input_per_mtok,
    cachedInput: price.cached_input_per_mtok ?? price.input_per_mtok,
    cacheWrite5m: cacheWrite,
    cacheWrite1h: price.cache_write_1h_per_mtok ?? cacheWrite,
    output: price.output_per_mtok,
    reasoning: price.reasoning_per_mtok ?? price.output_per_mtok,
    source: 'config',
  };
}

