/**
 * GET /admin/v1/models — the price book as this gateway applies it (USD per million tokens, tiered
 * rates included, and where each price came from) and the route rules in evaluation order. Read-only:
 * both come from the config file; a team key may read them (nothing in them is a team's data).
 */
import type { GatewayDeps } from '../pipeline/deps.js';
import type { Rate, TokenRates } from '../pricing/price-book.js';

function rate(r: Rate): number | { base: number; tiers: { above_tokens: number; per_mtok: number }[] } {
  return typeof r === 'number' ? r : { base: r.base, tiers: r.tiers.map((t) => ({ above_tokens: t.start, per_mtok: t.price })) };
}

function tokenPrices(r: TokenRates): Record<string, ReturnType<typeof rate>> {
  return {
    input_per_mtok: rate(r.input),
    cached_input_per_mtok: rate(r.cachedInput),
    cache_write_per_mtok: rate(r.cacheWrite5m),
    cache_write_1h_per_mtok: rate(r.cacheWrite1h),
    output_per_mtok: rate(r.output),
    reasoning_per_mtok: rate(r.reasoning),
  };
}

/** `routes` only for the admin: rules name teams, keys, users, projects and header values. */
export function handleModels(deps: GatewayDeps, admin: boolean): Record<string, unknown> {
  const data = [...deps.models.values()].map((m) => {
    const c = deps.config.models[m.name];
    const r = m.rates;
    return {
      model: m.name,
      provider: m.provider.name,
      upstream_model: m.upstreamModel,
      tier: c?.tier ?? null,
      tools: c?.tools ?? null,
      vision: c?.vision ?? null,
      context_window: c?.context_window ?? null,
      price: r
        ? {
            source: r.source,
            ...tokenPrices(r),
            // The tiers priced apart from the standard rates above (any other tier is priced at those).
            service_tiers: r.serviceTiers ? Object.fromEntries(Object.entries(r.serviceTiers).map(([tier, t]) => [tier, tokenPrices(t)])) : {},
          }
        : null,
    };
  });
  return { data, routes: admin ? deps.config.routes.map((r, i) => ({ index: i, ...r })) : [] };
}
