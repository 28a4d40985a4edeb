/**
 * The price book: per-model rates from the @pydantic/genai-prices catalogue (bundled, offline), with
 * per-model overrides from config. Rates are USD per million tokens; a rate may be tiered on the size
 * of the whole prompt (long-context pricing reprices the whole request once the prompt crosses a tier).
 */
import { calcPrice } from '@pydantic/genai-prices';
import type { ModelConfig, ProviderConfig } from '../config/schema.js';
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

function toRate(v: unknown): Rate | undefined {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'base' in v && 'tiers' in v) {
    const t = v as Tiered;
    return { base: t.base, tiers: t.tiers.map((x) => ({ start: x.start, price: x.price })) };
  }
  return undefined;
}

/** Look a model up in the bundled catalogue; null when the catalogue does not know it. */
export function catalogueRates(model: string, provider: ProviderConfig & { name: string }): ModelRates | null {
  const attempts = [
    { providerId: provider.catalog ?? provider.name },
    { providerApiUrl: provider.base_url },
    {},
  ];
  for (const opts of attempts) {
    let found: ReturnType<typeof calcPrice>;
    try {
      found = calcPrice({ input_tokens: 1, output_tokens: 1 }, model, opts);
    } catch {
      found = null;
    }
    if (!found) continue;
    const mp = found.model_price;
    const input = toRate(mp['input_mtok']);
    if (input === undefined) continue;
    // Embedding models have no output price: they generate no tokens.
    const output = toRate(mp['output_mtok']) ?? 0;
    const cacheWrite = toRate(mp['cache_write_mtok']) ?? input;
    return {
      input,
      cachedInput: toRate(mp['cache_read_mtok']) ?? input,
      cacheWrite5m: cacheWrite,
      cacheWrite1h: toRate(mp['cache_write_1h_mtok']) ?? cacheWrite,
      output,
      reasoning: toRate(mp['output_reasoning_mtok']) ?? output,
      source: 'catalogue',
    };
  }
  return null;
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

/** Config override first, then the catalogue (by the upstream model name). */
export function resolveRates(
  modelName: string,
  model: Pick<ModelConfig, 'price' | 'upstream_model'>,
  provider: ProviderConfig & { name: string },
): ModelRates | null {
  if (model.price) return configRates(model.price);
  return catalogueRates(model.upstream_model ?? modelName, provider);
}
