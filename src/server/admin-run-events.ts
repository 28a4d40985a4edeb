/**
 * GET /admin/v1/runs/events?limit=&interval_ms=&team= — live runs as server-sent events, so the
 * dashboard updates without reloading. Each `snapshot` event carries `{"data": [run views]}` (the shape
 * of GET /admin/v1/runs, so a team key sees its own team's runs only), sent at once and then whenever it changes; the run store is polled because
 * run state may live in Redis and be changed by any instance. A comment line keeps proxies from
 * closing an idle stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayDeps } from '../pipeline/deps.js';
import { listedTeam, recentRunView } from './admin-runs.js';

const HEARTBEAT_MS = 15_000;

export function handleRunEvents(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse, params: URLSearchParams, callerTeam?: string): void {
  const team = listedTeam(params, callerTeam);
  const limit = Math.min(Math.max(Number(params.get('limit') ?? 100) || 100, 1), 1000);
  const intervalMs = Math.min(Math.max(Number(params.get('interval_ms') ?? 1000) || 1000, 200), 60_000);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  let last = '';
  let lastWrite = Date.now();
  let closed = false;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (closed || busy) return;
    busy = true;
    try {
      const runs = await deps.guard.store.recent(limit, team);
      const text = JSON.stringify({ data: runs.map(recentRunView) });
      if (closed) return;
      if (text !== last) {
        last = text;
        res.write(`event: snapshot\ndata: ${text}\n\n`);
        lastWrite = Date.now();
      } else if (Date.now() - lastWrite >= HEARTBEAT_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch (err) {
      deps.log.warn({ err }, 'run events: reading runs failed');
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  const stop = (): void => {
    closed = true;
    clearInterval(timer);
  };
  req.once('close', stop);
  res.once('close', stop);
  void tick();
}
