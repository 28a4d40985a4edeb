/**
 * Admin API for the waste report (src/analytics/waste-report.ts):
 *   GET /admin/v1/waste?from=&to=&team=   per team and agent, by category; a team key sees its own team
 */
import { parseTime } from '../analytics/spend-report.js';
import { reportWindow } from '../analytics/call-scan.js';
import { wasteReport } from '../analytics/waste-report.js';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { onlyParams } from './query-params.js';

const WASTE_PARAMS = new Set(['from', 'to', 'team']);

export async function handleWaste(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  send: (status: number, body: unknown) => void,
  /** Set when a team key asks: its own team, whatever `team=` says. */
  team?: string,
): Promise<boolean> {
  if (path !== '/admin/v1/waste' || method !== 'GET') return false;
  onlyParams(params, WASTE_PARAMS, '/admin/v1/waste');
  const asked = params.get('team') || undefined;
  if (team !== undefined && asked !== undefined && asked !== team) throw new GatewayError('forbidden', 'A team key may only read its own team.');
  let window: { from: number; to: number };
  try {
    const now = deps.now();
    window = reportWindow(parseTime(params.get('from'), now), parseTime(params.get('to'), now), now);
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
  const cfg = deps.config.waste;
  const tiers = new Map(Object.entries(deps.config.models).map(([name, m]) => [name, m.tier]));
  const cheapRates = cfg.oversized ? (deps.models.get(cfg.oversized.cheap_model)?.rates ?? null) : null;
  send(200, await wasteReport(deps.store, { ...window, team: team ?? asked, config: cfg, tiers, cheapRates }));
  return true;
}
