/**
 * Admin API for budget forecasts:
 *   GET /admin/v1/forecasts[?scope=team:platform]
 *   -> {"data": [{budget_id, scope, period, limit_usd, spent_usd, period_start, period_end, projected_usd,
 *       projected_low_usd, projected_high_usd, exhausts_at, sentence, method, history, projection, pacing}]}
 * history: daily spend (not cumulative) of the period so far (lifetime budgets: the last 56 days);
 * projection: cumulative spend in the period from today to its last day, with the 80% band;
 * exhausts_at: the projected instant it runs out (now when already spent; null when it does not
 * within the period, or within five years for a lifetime budget); projected_* are null for lifetime
 * budgets; pacing is null unless the budget is paced. Wildcard budgets (key:*, run:*) are not listed.
 * A team key sees the budgets of its team and of its team's keys: user and project budgets may cover
 * other teams' spend, so they are the admin's.
 */
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { onlyParams } from './query-params.js';

const FORECAST_PARAMS = new Set(['scope']);
import type { BudgetRecord } from '../storage/types.js';

async function visibleTo(deps: GatewayDeps, team: string): Promise<(b: BudgetRecord) => boolean> {
  const keys = (await deps.store.listKeys()).filter((k) => k.team === team);
  const own = new Set<string>([`team:${team}`]);
  for (const k of keys) own.add(`key:${k.id}`);
  return (b) => own.has(b.scope);
}

export async function handleForecasts(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  send: (status: number, body: unknown) => void,
  /** Set when a team key asks. */
  team?: string,
): Promise<boolean> {
  if (path !== '/admin/v1/forecasts') return false;
  if (method !== 'GET') throw new GatewayError('method_not_allowed', 'Forecasts are read-only: GET /admin/v1/forecasts.');
  onlyParams(params, FORECAST_PARAMS, '/admin/v1/forecasts');
  const scope = params.get('scope');
  const visible = team === undefined ? () => true : await visibleTo(deps, team);
  const budgets = deps.budgets.list().filter((b) => visible(b) && (scope === null || b.scope === scope));
  const results = await deps.forecasts.forecasts(budgets);
  send(200, { data: results.map((r) => r.view) });
  return true;
}
