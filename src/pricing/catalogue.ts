/**
 * Model rates from the @pydantic/genai-prices catalogue (bundled, offline). The catalogue costs about
 * 20 MB of heap once loaded, and only the configured models' rates are needed, once: the gateway looks
 * them up in a short-lived worker (model-rates.ts), and this module loads the package on its first
 * lookup only, so a process that merely imports it (the CLI, through the price book) never pays for it.
 */
import { createRequire } from 'node:module';
import type { ModelConfig, ProviderConfig } from '../config/schema.js';
import { configRates, type ModelRates, type Rate, type Tiered } from './price-book.js';

type Catalogue = typeof import('@pydantic/genai-prices');
let catalogue: Catalogue | undefined;

/** Synchronous and lazy: `import()` would make every lookup async for a one-off cost. */
function loadCatalogue(): Catalogue {
  catalogue ??= createRequire(import.meta.url)('@pydantic/genai-prices') as Catalogue;
  return catalogue;
}

/** What a catalogue lookup needs to know about the provider. */
export type CatalogueProvider = Pick<ProviderConfig, 'base_url' | 'catalog'> & { name: string };

function toRate(v: unknown): Rate | undefined {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'base' in v && 'tiers' in v) {
    const t = v as Tiered;
    return { base: t.base, tiers: t.tiers.map((x) => ({ start: x.start, price: x.price })) };
  }
  return undefined;
}

/** Look a model up in the bundled catalogue; null when the catalogue does not know it. */
export function catalogueRates(model: string, provider: CatalogueProvider): ModelRates | null {
  const { calcPrice } = loadCatalogue();
  const attempts = [{ providerId: provider.catalog ?? provider.name }, { providerApiUrl: provider.base_url }, {}];
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
      ...(typeof mp['web_searches_kcount'] === 'number' ? { webSearchPerK: mp['web_searches_kcount'] } : {}),
      // A fee per request on top of tokens (Perplexity's Sonar models).
      ...(typeof mp['requests_kcount'] === 'number' ? { requestPerK: mp['requests_kcount'] } : {}),
      source: 'catalogue',
    };
  }
  return null;
}

/** Config override first, then the catalogue (by the upstream model name). */
export function resolveRates(modelName: string, model: Pick<ModelConfig, 'price' | 'upstream_model'>, provider: CatalogueProvider): ModelRates | null {
  if (model.price) return configRates(model.price);
  return catalogueRates(model.upstream_model ?? modelName, provider);
}
