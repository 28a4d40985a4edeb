/** Budget definitions: from config, the admin API and the CLI into BudgetRecords, and their public view. */
import type { BudgetConfig, Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { hasOneCounter } from '../policy/limits.js';
import { periodWindow } from '../policy/period.js';
import { nanosToUsd, usdToNanos } from '../pricing/money.js';
import type { CounterState } from '../storage/counter-types.js';
import type { BudgetRecord, Store } from '../storage/types.js';

export function budgetRecord(input: BudgetConfig, source: BudgetRecord['source'], now: number): BudgetRecord {
  return {
    id: `${input.scope}/${input.period}`,
    scope: input.scope,
    period: input.period,
    limitNanos: usdToNanos(input.limit_usd),
    limitTokens: input.limit_tokens ?? null,
    alertAt: [...input.alert_at].sort((a, b) => a - b),
    downgrade: input.downgrade ? { atPct: input.downgrade.at_pct, model: input.downgrade.model } : null,
    clamp: input.clamp,
    source,
    createdAt: now,
    pace: input.pace ? { action: input.pace.action, model: input.pace.model ?? null } : null,
  };
}

/** Make the store's config-sourced budgets match the config (and the default key budget). */
export async function syncConfigBudgets(store: Store, config: Config, now: number): Promise<void> {
  const wanted = config.budgets.map((b) => budgetRecord(b, 'config', now));
  const d = config.defaults.key_budget;
  if (d) wanted.push(budgetRecord({ scope: 'key:*', limit_usd: d.limit_usd, period: d.period, alert_at: [], clamp: false }, 'default', now));
  const existing = await store.listBudgets();
  for (const b of wanted) {
    const old = existing.find((e) => e.id === b.id);
    // A budget set through the API or CLI wins over the config's.
    if (old && old.source === 'api') continue;
    await store.upsertBudget(old ? { ...b, createdAt: old.createdAt } : b);
  }
  for (const e of existing) {
    if ((e.source === 'config' || e.source === 'default') && !wanted.some((w) => w.id === e.id)) await store.deleteBudget(e.id);
  }
}

/**
 * Removes a budget set through the admin API or the CLI; false when there is none. A budget from the
 * config is refused: it would come back at the next start, so removing it would only look permanent.
 */
export async function removeBudget(store: Store, id: string): Promise<boolean> {
  const b = (await store.listBudgets()).find((x) => x.id === id);
  if (!b) return false;
  if (b.source !== 'api') {
    const where = b.source === 'default' ? '`defaults.key_budget`' : '`budgets:`';
    throw new GatewayError('invalid_request', `Budget ${id} comes from the config (${where}); change the config to remove it.`);
  }
  return store.deleteBudget(id);
}

/**
 * A budget as the admin API and the CLI show it. `state` / `tokenState`: its USD and token counters in
 * the current period (a budget with one counter; the token one only with a token limit).
 */
export function budgetView(b: BudgetRecord, tz: string, now: number, state?: CounterState, tokenState?: CounterState): Record<string, unknown> {
  const w = periodWindow(b.period, tz, now);
  return {
    id: b.id,
    scope: b.scope,
    period: b.period,
    limit_usd: nanosToUsd(b.limitNanos),
    limit_tokens: b.limitTokens,
    alert_at: b.alertAt,
    downgrade: b.downgrade ? { at_pct: b.downgrade.atPct, model: b.downgrade.model } : null,
    clamp: b.clamp,
    pace: b.pace ?? null,
    source: b.source,
    period_start: w.start === 0 ? null : new Date(w.start).toISOString(),
    resets_at: w.end === Infinity ? null : new Date(w.end).toISOString(),
    ...(state && hasOneCounter(b.scope)
      ? {
          spent_usd: nanosToUsd(state.used),
          reserved_usd: nanosToUsd(state.reserved),
          spent_nanos: state.used,
          reserved_nanos: state.reserved,
          utilisation: b.limitNanos > 0 ? state.used / b.limitNanos : null,
        }
      : {}),
    ...(tokenState && hasOneCounter(b.scope) && b.limitTokens !== null
      ? {
          spent_tokens: tokenState.used,
          reserved_tokens: tokenState.reserved,
          token_utilisation: b.limitTokens > 0 ? tokenState.used / b.limitTokens : null,
        }
      : {}),
  };
}
