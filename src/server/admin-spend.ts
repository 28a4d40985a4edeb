/**
 * GET /admin/v1/spend: spend analytics.
 *   group_by=team,day (or group_by=team&bucket=day): any dimensions (org, team, user, project, key, model,
 *   provider, agent, run, tag) and at most one bucket (hour, day, week, month; days in config `timezone`);
 *   filters: team=, user=, project=, key=, model=, provider=, agent=, run=, tag=, org=; from=, to=.
 * A team's own key is held to its own team. `group_by=team` alone answers as it always did.
 */
import { analyticsQuery, analyticsReport } from '../analytics/analytics-report.js';
import { DIMENSIONS, type Dimension } from '../analytics/query.js';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { onlyParams } from './query-params.js';

/** What /admin/v1/spend takes; any other parameter (a typo, `Team=`) is refused rather than ignored. */
const SPEND_PARAMS = new Set<string>([...DIMENSIONS, 'group_by', 'bucket', 'from', 'to']);

export async function handleSpend(deps: GatewayDeps, params: URLSearchParams, team: string | undefined): Promise<unknown> {
  onlyParams(params, SPEND_PARAMS, '/admin/v1/spend');
  const filters: Partial<Record<Dimension, string>> = {};
  for (const dim of DIMENSIONS) {
    const v = params.get(dim);
    if (v !== null) filters[dim] = v;
  }
  let q;
  try {
    q = analyticsQuery(
      { groupBy: params.get('group_by') ?? undefined, bucket: params.get('bucket') ?? undefined, filters, from: params.get('from') ?? undefined, to: params.get('to') ?? undefined },
      { now: deps.now(), timezone: deps.config.timezone, org: deps.config.org, team },
    );
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
  const { query, data } = await analyticsReport(deps.store, q);
  return { ...query, data };
}
