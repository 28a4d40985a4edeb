/**
 * Admin API for budgets:
 *   POST   /admin/v1/budgets        {"scope": "team:platform", "limit_usd": 5000, "period": "month", ...}
 *   GET    /admin/v1/budgets?team=  definitions with spent and reserved (USD, and tokens with limit_tokens) and reset time;
 *                                   team=T: the budget of scope team:T (what T's own key is shown)
 *   DELETE /admin/v1/budgets/:id    id = scope/period, URL-encoded (e.g. team%3Aplatform%2Fmonth)
 * Changes apply to the next call, on this instance at once and on others within a second.
 */
import { budgetRecord, budgetView, removeBudget } from '../budgets/budget-service.js';
import { budgetConfigSchema } from '../config/schema.js';
import { decodePathSegment, GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { budgetTokensLimit, budgetUsdLimit, hasOneCounter } from '../policy/limits.js';
import { NO_PARAMS, onlyParams } from './query-params.js';

const LIST_PARAMS = new Set(['team']);

export async function handleBudgets(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  body: () => Promise<unknown>,
  send: (status: number, body: unknown) => void,
  /** Set when a team key asks: only that team's budgets are shown, whatever `team=` says. */
  team?: string,
): Promise<boolean> {
  if (path === '/admin/v1/budgets' && method === 'POST') {
    onlyParams(params, NO_PARAMS, 'POST /admin/v1/budgets');
    const parsed = budgetConfigSchema.safeParse(await body());
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new GatewayError('invalid_request', `Invalid budget: ${i?.path.join('.') || 'body'}: ${i?.message}`);
    }
    if (parsed.data.downgrade && !deps.models.has(parsed.data.downgrade.model)) {
      throw new GatewayError('unknown_model', `Unknown downgrade model ${parsed.data.downgrade.model}.`);
    }
    if (parsed.data.pace?.model && !deps.models.has(parsed.data.pace.model)) {
      throw new GatewayError('unknown_model', `Unknown pacing model ${parsed.data.pace.model}.`);
    }
    const b = budgetRecord(parsed.data, 'api', deps.now());
    await deps.store.upsertBudget(b);
    await deps.budgets.refresh(true);
    send(201, budgetView(b, deps.config.timezone, deps.now()));
    return true;
  }
  if (path === '/admin/v1/budgets' && method === 'GET') {
    onlyParams(params, LIST_PARAMS, '/admin/v1/budgets');
    const now = deps.now();
    const only = team ?? (params.get('team') || undefined);
    const list = deps.budgets.list().filter((b) => only === undefined || b.scope === `team:${only}`);
    // Budgets with one counter show what is spent, in USD and, with a token limit, in tokens: filled from
    // the ledger if no call has touched them since this instance started (a wildcard budget's counters
    // are per key, tag...: none to show).
    const tz = deps.config.timezone;
    const counted = list.filter((b) => hasOneCounter(b.scope));
    const usd = counted.map((b) => budgetUsdLimit(b, tz, now));
    const tokens = counted.map((b) => budgetTokensLimit(b, tz, now)).filter((l) => l !== null);
    const states = await deps.limiter.readBudgets([...usd, ...tokens]);
    const stateOf = new Map(usd.map((l, i) => [l.budget, states[i]]));
    const tokenStateOf = new Map(tokens.map((l, i) => [l.budget, states[usd.length + i]]));
    send(200, { data: list.map((b) => budgetView(b, tz, now, stateOf.get(b), tokenStateOf.get(b))) });
    return true;
  }
  const m = /^\/admin\/v1\/budgets\/(.+)$/.exec(path);
  if (m && method === 'DELETE') {
    onlyParams(params, NO_PARAMS, 'DELETE /admin/v1/budgets/:id');
    const id = decodePathSegment(m[1]!, 'budget id');
    if (!(await removeBudget(deps.store, id))) throw new GatewayError('not_found', `No budget ${id}.`);
    await deps.budgets.refresh(true);
    send(200, { id, deleted: true });
    return true;
  }
  return false;
}
