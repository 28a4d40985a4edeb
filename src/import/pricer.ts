/**
 * Prices imported usage with Tollgate's own price book: a model's `price:` override in config first,
 * then the bundled catalogue, looked up once per model. The importing process is a short-lived CLI, so
 * it loads the catalogue itself (the gateway keeps it out of its heap; see pricing/model-rates.ts).
 */
import type { Config } from '../config/schema.js';
import { catalogueRates } from '../pricing/catalogue.js';
import { configRates, costOf, ratesForTier, type ModelRates } from '../pricing/price-book.js';
import type { TokenUsage } from '../pricing/usage.js';

const CATALOGUE_PROVIDERS: Record<string, { name: string; base_url: string }> = {
  anthropic: { name: 'anthropic', base_url: 'https://api.anthropic.com' },
  openai: { name: 'openai', base_url: 'https://api.openai.com/v1' },
};

export class ImportPricer {
  private readonly rates = new Map<string, ModelRates | null>();

  constructor(
    private readonly models: Config['models'] = {},
    private readonly providers: Config['providers'] = {},
  ) {}

  /** The provider the config serves `model` from (for usage that does not name one); null if unconfigured. */
  providerOf(model: string): string | null {
    return this.models[model]?.provider ?? null;
  }

  /** Rates of `model` served by `provider` ("anthropic" or "openai"); null when nothing prices it. */
  ratesOf(provider: string, model: string): ModelRates | null {
    const key = `${provider}\u0000${model}`;
    let r = this.rates.get(key);
    if (r === undefined) {
      const configured = this.models[model];
      // A provider is named as the catalogue names it, or as the config does (its kind says which API it is).
      const kind = this.providers[provider]?.kind;
      const catalogueProvider = CATALOGUE_PROVIDERS[provider] ?? (kind ? CATALOGUE_PROVIDERS[kind] : undefined) ?? { name: provider, base_url: '' };
      r = configured?.price ? configRates(configured.price) : catalogueRates(configured?.upstream_model ?? model, catalogueProvider);
      this.rates.set(key, r);
    }
    return r;
  }

  /** Integer nano-dollars at the rates of the service tier that served the call (standard when null), or null for an unpriced model. */
  cost(provider: string, model: string, usage: TokenUsage, tier: string | null = null): number | null {
    const r = this.ratesOf(provider, model);
    return r ? costOf(ratesForTier(r, tier), usage) : null;
  }
}
