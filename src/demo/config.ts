/** The demo gateway's configuration: the mock provider as upstream, a temp SQLite ledger, the guard on, budgets, routes. */
import { join } from 'node:path';

/** USD per million tokens, set explicitly so the demo's numbers never depend on the catalogue. */
export const DEMO_PRICES = {
  'gpt-5': { input_per_mtok: 1.25, output_per_mtok: 10, cached_input_per_mtok: 0.125 },
  'gpt-5-mini': { input_per_mtok: 0.25, output_per_mtok: 2, cached_input_per_mtok: 0.025 },
  'claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3 },
} as const;

export type DemoModel = keyof typeof DEMO_PRICES;

export interface DemoBudgets {
  orgUsd: number;
  platformUsd: number;
  growthUsd: number;
}

export function demoConfig(o: { mockUrl: string; dir: string; host: string; port: number; adminKey: string; budgets: DemoBudgets; logLevel: string }): Record<string, unknown> {
  return {
    server: { host: o.host, port: o.port },
    admin_key: o.adminKey,
    store: { kind: 'sqlite', path: join(o.dir, 'ledger.db') },
    ledger: { flush_ms: 50 },
    log: { level: o.logLevel },
    guard: { enabled: true },
    budgets: [
      { scope: 'org', limit_usd: o.budgets.orgUsd, period: 'month', alert_at: [50, 80, 100] },
      { scope: 'team:platform', limit_usd: o.budgets.platformUsd, period: 'month', alert_at: [80, 100] },
      { scope: 'team:growth', limit_usd: o.budgets.growthUsd, period: 'month', alert_at: [80, 100] },
    ],
    routes: [
      // Map-reduce workers do not need the big model: the cheapest tier-1 model serves them.
      { name: 'mappers-cheapest', match: { agent: 'mapper' }, cheapest: { min_tier: 1 } },
      // The coding agent asks similar things again and again: answer repeats from the cache.
      { name: 'coder-cache', match: { agent: 'coder' }, cache: { ttl_seconds: 3600, scope: 'team' } },
    ],
    providers: {
      openai: { kind: 'openai', base_url: `${o.mockUrl}/v1`, api_key: 'sk-demo' },
      anthropic: { kind: 'anthropic', base_url: o.mockUrl, api_key: 'sk-ant-demo' },
    },
    models: {
      'gpt-5': { provider: 'openai', price: DEMO_PRICES['gpt-5'], tier: 2 },
      'gpt-5-mini': { provider: 'openai', price: DEMO_PRICES['gpt-5-mini'], tier: 1 },
      'claude-sonnet-4-5': { provider: 'anthropic', price: DEMO_PRICES['claude-sonnet-4-5'], tier: 2 },
    },
  };
}
