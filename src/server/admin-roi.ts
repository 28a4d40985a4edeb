/**
 * Admin API for return on spend (src/analytics/roi-report.ts):
 *   GET /admin/v1/roi?group_by=team|project|agent|model&from=&to=[&sort=value_per_dollar|cost_per_outcome|cost]
 * Ranked by value per dollar unless another order is asked for explicitly. A team key sees its own team.
 */
import { reportWindow } from '../analytics/call-scan.js';
import { ROI_GROUPS, ROI_SORTS, roiReport, type RoiGroup, type RoiSort } from '../analytics/roi-report.js';
import { parseTime } from '../analytics/spend-report.js';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { onlyParams } from './query-params.js';

const ROI_PARAMS = new Set(['group_by', 'sort', 'from', 'to']);

export async function handleRoi(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  send: (status: number, body: unknown) => void,
  team?: string,
): Promise<boolean> {
  if (path !== '/admin/v1/roi' || method !== 'GET') return false;
  onlyParams(params, ROI_PARAMS, '/admin/v1/roi');
  const groupBy = params.get('group_by') ?? 'team';
  if (!(ROI_GROUPS as readonly string[]).includes(groupBy)) throw new GatewayError('invalid_request', `group_by must be one of ${ROI_GROUPS.join(', ')}.`, { details: { param: 'group_by' } });
  const sort = params.get('sort') ?? 'value_per_dollar';
  if (!(ROI_SORTS as readonly string[]).includes(sort)) throw new GatewayError('invalid_request', `sort must be one of ${ROI_SORTS.join(', ')}.`, { details: { param: 'sort' } });
  let window: { from: number; to: number };
  try {
    const now = deps.now();
    window = reportWindow(parseTime(params.get('from'), now), parseTime(params.get('to'), now), now);
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
  send(200, await roiReport(deps.store, { groupBy: groupBy as RoiGroup, sort: sort as RoiSort, ...window, team, config: deps.config.roi }));
  return true;
}
