/**
 * The limits each call reserves on, planned through policy/plan-cache.ts: once per attribution and
 * period window rather than once per call. The cache is rebuilt whenever the budget directory
 * re-indexes (a budget added, changed or removed here or by another instance).
 */
import type { Config, RateLimitConfig } from '../config/schema.js';
import type { PlannedLimit } from '../policy/limits.js';
import { PlanCache, type PlanAttribution } from '../policy/plan-cache.js';
import type { BudgetDirectory } from './budget-directory.js';

export class LimitPlans {
  private cache: PlanCache | null = null;
  /** The directory's index the cache was built on. */
  private builtOn: BudgetDirectory['scopes'] | null = null;

  constructor(
    private readonly o: {
      config: Pick<Config, 'org' | 'timezone' | 'defaults'>;
      budgets: BudgetDirectory;
      rateLimits: ReadonlyMap<string, readonly RateLimitConfig[]>;
    },
  ) {}

  /** Changes (by identity) whenever a budget is added, changed or removed. */
  get version(): object {
    return this.o.budgets.scopes;
  }

  /** planLimits' answer for this call: fresh objects the caller may keep and change. */
  limitsFor(a: PlanAttribution, unlimited: boolean, now: number, demand: { worstNanos: number; worstTokens: number }): PlannedLimit[] {
    const scopes = this.o.budgets.scopes;
    if (!this.cache || scopes !== this.builtOn) {
      this.cache = new PlanCache({
        org: this.o.config.org,
        timezone: this.o.config.timezone,
        budgetsByScope: scopes,
        rateLimitsByScope: this.o.rateLimits,
        defaultRateLimit: this.o.config.defaults.key_rate_limit,
      });
      this.builtOn = scopes;
    }
    return this.cache.limitsFor(a, unlimited, true, now, demand.worstNanos, demand.worstTokens);
  }
}
