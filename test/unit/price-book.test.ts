import { describe, expect, it } from 'vitest';
import { calcPrice } from '@pydantic/genai-prices';
import { catalogueRates, resolveRates } from '../../src/pricing/catalogue.js';
import { configRates, costOf } from '../../src/pricing/price-book.js';
import { emptyUsage, type TokenUsage } from '../../src/pricing/usage.js';

const anthropic = { name: 'anthropic', kind: 'anthropic' as const, base_url: 'https://api.anthropic.com', api_key: '', connections: 1, timeouts: { connect_ms: 1, first_byte_ms: 1, idle_ms: 1 } };
const u = (p: Partial<TokenUsage>): TokenUsage => ({ ...emptyUsage(), ...p });

describe('price book', () => {
  it('applies long-context tiers to the whole request, as the catalogue does', () => {
    const rates = catalogueRates('claude-sonnet-4-5', anthropic);
    expect(rates).not.toBeNull();
    for (const [input, read, write, out] of [
      [150_000, 20_000, 10_000, 2000], // 180k prompt: base rates
      [190_000, 20_000, 10_000, 2000], // 220k prompt: every class at the long-context rate
    ] as const) {
      const mine = costOf(rates!, u({ input, cachedInput: read, cacheWrite5m: write, output: out }));
      const ref = calcPrice({ input_tokens: input + read + write, cache_read_tokens: read, cache_write_tokens: write, output_tokens: out }, 'claude-sonnet-4-5', { providerId: 'anthropic' });
      expect(mine).toBe(Math.round(ref!.total_price * 1e9));
    }
    const below = costOf(rates!, u({ input: 199_000, output: 1000 }));
    const above = costOf(rates!, u({ input: 201_000, output: 1000 }));
    expect(above / 201_000).toBeGreaterThan((below / 199_000) * 1.5);
  });

  it('prices 1h cache writes above 5m writes', () => {
    const rates = catalogueRates('claude-sonnet-4-5', anthropic)!;
    expect(costOf(rates, u({ cacheWrite1h: 1_000_000 }))).toBeGreaterThan(costOf(rates, u({ cacheWrite5m: 1_000_000 })));
  });

  it('uses config prices over the catalogue, with sensible defaults per class', () => {
    const rates = resolveRates('deepseek-chat', { price: { input_per_mtok: 0.28, output_per_mtok: 0.42, cached_input_per_mtok: 0.028 } }, { ...anthropic, name: 'deepseek' });
    expect(rates?.source).toBe('config');
    // 1M of each class, in nano-dollars: input 280000000, cached 28000000, output 420000000, reasoning = output.
    expect(costOf(rates!, u({ input: 1_000_000 }))).toBe(280_000_000);
    expect(costOf(rates!, u({ cachedInput: 1_000_000 }))).toBe(28_000_000);
    expect(costOf(rates!, u({ reasoning: 1_000_000 }))).toBe(420_000_000);
    expect(costOf(rates!, u({ cacheWrite5m: 1_000_000 }))).toBe(280_000_000);
    expect(costOf(configRates({ input_per_mtok: 0.03125, output_per_mtok: 0 }), u({ input: 3 }))).toBe(94); // 93.75 rounds once
  });

  it('returns null for a model nobody prices', () => {
    expect(catalogueRates('totally-unknown-model-xyz', { ...anthropic, name: 'nobody', base_url: 'http://localhost:1' })).toBeNull();
  });
});
