/**
 * Admin API for outcomes (what a run, project or team achieved, and what it was worth):
 *   POST /admin/v1/outcomes   {run?|project?|team?, label, value_usd, at?, agent?}   admin only
 *   GET  /admin/v1/outcomes?from=&to=&run=&project=&team=&limit=   a team key sees outcomes naming its team
 */
import { outcomeRecord, outcomeView } from '../analytics/outcomes.js';
import { parseWindow } from '../analytics/spend-report.js';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { limitParam, NO_PARAMS, onlyParams } from './query-params.js';

const OUTCOME_PARAMS = new Set(['team', 'run', 'project', 'from', 'to', 'limit']);
import type { OutcomeRecord } from '../storage/types.js';

export async function handleOutcomes(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  body: () => Promise<unknown>,
  send: (status: number, body: unknown) => void,
  team?: string,
): Promise<boolean> {
  if (path !== '/admin/v1/outcomes') return false;
  if (method === 'POST') {
    onlyParams(params, NO_PARAMS, 'POST /admin/v1/outcomes');
    let record: OutcomeRecord;
    try {
      record = outcomeRecord(await body(), deps.now());
    } catch (err) {
      if (err instanceof RangeError) throw new GatewayError('invalid_request', err.message);
      throw err;
    }
    await deps.store.insertOutcome(record);
    send(201, outcomeView(record));
    return true;
  }
  if (method !== 'GET') return false;
  onlyParams(params, OUTCOME_PARAMS, '/admin/v1/outcomes');
  const asked = params.get('team') || undefined;
  if (team !== undefined && asked !== undefined && asked !== team) throw new GatewayError('forbidden', 'A team key may only read its own team.');
  let from: number | undefined;
  let to: number | undefined;
  try {
    const now = deps.now();
    ({ from, to } = parseWindow(params.get('from'), params.get('to'), now));
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
  const limit = limitParam(params, 1000, 10_000);
  const rows = await deps.store.outcomes({ from, to, team: team ?? asked, run: params.get('run') || undefined, project: params.get('project') || undefined, limit });
  send(200, { data: rows.map(outcomeView) });
  return true;
}
