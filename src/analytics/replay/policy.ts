/**
 * The policies a replay runs, built from a config file the way the gateway builds them at start:
 * budgets (config and default key budget, as BudgetRecords by scope), rate limits, route rules with
 * the models as route rules see them, model rates, the cache bound and the run guard's config.
 */
import { budgetRecord } from '../../budgets/budget-service.js';
import type { Config, RateLimitConfig, RouteConfig } from '../../config/schema.js';
import type { GuardConfig } from '../../guard/index.js';
import { routeModel, type RouteModel } from '../../policy/routes.js';
import { resolveModelRates } from '../../pricing/model-rates.js';
import type { ModelRates } from '../../pricing/price-book.js';
import type { BudgetRecord } from '../../storage/types.js';

export interface ReplayPolicy {
  org: string;
  timezone: string;
  budgetsByScope: ReadonlyMap<string, readonly BudgetRecord[]>;
  rateLimitsByScope: ReadonlyMap<string, readonly RateLimitConfig[]>;
  defaultRateLimit: Config['defaults']['key_rate_limit'];
  maxTokens: number;
  minClampTokens: number;
  routes: readonly RouteConfig[];
  routeModels: readonly RouteModel[];
  routesNeedBudget: boolean;
  /** Configured models and their rates (null when unpriced). */
  rates: ReadonlyMap<string, ModelRates | null>;
  cacheEntries: number;
  guard: GuardConfig;
}

/** From a parsed config and the model rates (resolved by `resolveModelRates`, or given by tests). */
export function policyFrom(config: Config, rates: ReadonlyMap<string, ModelRates | null>, now = Date.now()): ReplayPolicy {
  const budgets = config.budgets.map((b) => budgetRecord(b, 'config', now));
  const d = config.defaults.key_budget;
  if (d) budgets.push(budgetRecord({ scope: 'key:*', limit_usd: d.limit_usd, period: d.period, alert_at: [], clamp: false }, 'default', now));
  // The stores list budgets by id; the gateway indexes them by scope in that order.
  budgets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const byScope = new Map<string, BudgetRecord[]>();
  for (const b of budgets) byScope.set(b.scope, [...(byScope.get(b.scope) ?? []), b]);
  const rateLimits = new Map<string, RateLimitConfig[]>();
  for (const rl of config.rate_limits) rateLimits.set(rl.scope, [...(rateLimits.get(rl.scope) ?? []), rl]);
  const routeModels: RouteModel[] = Object.entries(config.models).map(([name, c]) => routeModel(name, c, rates.get(name) ?? null));
  return {
    org: config.org,
    timezone: config.timezone,
    budgetsByScope: byScope,
    rateLimitsByScope: rateLimits,
    defaultRateLimit: config.defaults.key_rate_limit,
    maxTokens: config.defaults.max_tokens,
    minClampTokens: config.defaults.min_clamp_tokens,
    routes: config.routes,
    routeModels,
    routesNeedBudget: config.routes.some((r) => r.match.budget_used_pct !== undefined),
    rates,
    cacheEntries: Math.max(1000, ...config.routes.map((r) => r.cache?.max_entries ?? 0)),
    guard: config.guard,
  };
}

export async function loadPolicy(config: Config): Promise<ReplayPolicy> {
  return policyFrom(config, await resolveModelRates(config));
}
