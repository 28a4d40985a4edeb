/**
 * A fee per request on top of tokens (Chat Completions search models, Perplexity's Sonar): priced from
 * the catalogue's `requests_kcount` or a config's `requests_per_k`, metered per answered request,
 * counted in the worst case a call reserves, and in what replay and waste price a recorded call at.
 */
import { describe, expect, it } from 'vitest';
import { catalogueRates } from '../../src/pricing/catalogue.js';
import { configRates, costOf, ratesForTier, typicalCallCost, worstCaseNanos } from '../../src/pricing/price-book.js';
import { emptyUsage, type TokenUsage } from '../../src/pricing/usage.js';
import { configSchema } from '../../src/config/schema.js';
import { rowUsage } from '../../src/analytics/row-usage.js';
import type { CallRow } from '../../src/storage/types.js';

const u = (p: Partial<TokenUsage>): TokenUsage => ({ ...emptyUsage(), ...p });
const search = configRates({ input_per_mtok: 2.5, output_per_mtok: 10, requests_per_k: 35 });

describe('per-request fee', () => {
  it('counts in how "cheapest" ranks models: a model cheap per token but dear per request ranks dearer', () => {
    const plain = configRates({ input_per_mtok: 3, output_per_mtok: 12 });
    expect(typicalCallCost(plain)).toBe((1000 * 3 + 250 * 12) * 1000);
    expect(typicalCallCost(search)).toBe((1000 * 2.5 + 250 * 10) * 1000 + 35_000_000);
    expect(typicalCallCost(search)).toBeGreaterThan(typicalCallCost(plain));
  });

  it("is priced per answered request at the config's requests_per_k ($ per 1,000), in integer nano-dollars", () => {
    const tokens = (1000 * 2.5 + 200 * 10) * 1000;
    expect(costOf(search, u({ input: 1000, output: 200, requests: 1 }))).toBe(tokens + 35_000_000);
    // A usage without an answered request (a refused or failed call) bills no fee.
    expect(costOf(search, u({ input: 1000, output: 200 }))).toBe(tokens);
    expect(costOf(search, u({ requests: 1 }))).toBe(35_000_000);
  });

  it('is read from the catalogue (requests_kcount) where it has one', () => {
    const sonar = catalogueRates('sonar', { name: 'perplexity', base_url: 'https://api.perplexity.ai' });
    expect(sonar?.requestPerK).toBe(12);
    expect(costOf(sonar!, u({ requests: 1 }))).toBe(12_000_000);
    // The bundled catalogue has no request fee for OpenAI's search models: config gives it.
    const openai = { name: 'openai', base_url: 'https://api.openai.com/v1' };
    expect(catalogueRates('gpt-4o-search-preview', openai)?.requestPerK).toBeUndefined();
    expect(catalogueRates('gpt-4o', openai)?.requestPerK).toBeUndefined();
  });

  it('is a documented config price field, validated like the others; service tiers inherit it unless they set their own', () => {
    const parse = (price: Record<string, unknown>) => configSchema.safeParse({ models: { m: { provider: 'openai', price } }, providers: { openai: { kind: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'k' } } });
    expect(parse({ input_per_mtok: 1, output_per_mtok: 1, requests_per_k: 25 }).success).toBe(true);
    expect(parse({ input_per_mtok: 1, output_per_mtok: 1, requests_per_k: -1 }).success).toBe(false);
    const tiered = configRates({ input_per_mtok: 1, output_per_mtok: 1, requests_per_k: 25, service_tiers: { flex: { input_per_mtok: 0.5, output_per_mtok: 0.5 }, priority: { input_per_mtok: 2, output_per_mtok: 2, requests_per_k: 40 } } });
    expect(costOf(ratesForTier(tiered, 'flex'), u({ requests: 1 }))).toBe(25_000_000);
    expect(costOf(ratesForTier(tiered, 'priority'), u({ requests: 1 }))).toBe(40_000_000);
  });

  it("is in the worst case a call reserves, on the input side (the call pays it whatever it generates), at the dearest tier counted", () => {
    const plain = worstCaseNanos(configRates({ input_per_mtok: 2.5, output_per_mtok: 10 }), 1000, 500);
    const wc = worstCaseNanos(search, 1000, 500);
    expect(wc.total - plain.total).toBe(35_000_000);
    expect(wc.input - plain.input).toBe(35_000_000);
    expect(wc.outputPerToken).toBe(plain.outputPerToken);
    const tiered = configRates({ input_per_mtok: 1, output_per_mtok: 1, requests_per_k: 25, service_tiers: { priority: { input_per_mtok: 1, output_per_mtok: 1, requests_per_k: 40 } } });
    expect(worstCaseNanos(tiered, 0, 0).total).toBe(40_000_000);
    expect(worstCaseNanos(tiered, 0, 0, 'default').total).toBe(25_000_000);
  });

  it('is billed once for a recorded call that was answered or estimated, when replay or waste price it again', () => {
    const row = { inputTokens: 1000, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 200, reasoningTokens: 0, webSearches: 0, status: 'ok', estimated: false } as CallRow;
    expect(rowUsage(row).requests).toBe(1);
    expect(rowUsage({ ...row, status: 'aborted', estimated: true }).requests).toBe(1);
    expect(rowUsage({ ...row, status: 'error', inputTokens: 0, outputTokens: 0 }).requests ?? 0).toBe(0);
    // The searches the ledger kept are priced again too.
    expect(costOf(configRates({ input_per_mtok: 0, output_per_mtok: 0, web_searches_per_k: 10 }), rowUsage({ ...row, webSearches: 3 }))).toBe(30_000_000);
  });
});
