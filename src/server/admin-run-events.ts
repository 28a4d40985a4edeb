/**
 * GET /admin/v1/runs/events?limit=&interval_ms=&team= — live runs as server-sent events, so the
 * dashboard updates without reloading. Each `snapshot` event carries `{"data": [run views]}` (the shape
 * of GET /admin/v1/runs, so a team key sees its own team's runs only), sent at once and then whenever it changes; the run store is polled because
 * run state may live in Redis and be changed by any instance. A comment line keeps proxies from
 * closing an idle stream.
 * A stream is a standing cost (a store read and a snapshot every interval): at most
 * STREAMS_PER_CALLER open per team (or the admin) and STREAMS in all, polled at most once a second, and
 * the caller's access is checked again at every poll: a revoked key or a signed-out session ends it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { listedTeam, recentRunView } from './admin-runs.js';
import { intParam, onlyParams } from './query-params.js';

const EVENTS_PARAMS = new Set(['limit', 'interval_ms', 'team']);

const HEARTBEAT_MS = 15_000;
const STREAMS_PER_CALLER = 8;
const STREAMS = 64;

/** Open streams per gateway: in all, and per caller (a team, or the admin). */
const openByGateway = new WeakMap<GatewayDeps, Map<string, number>>();

export function handleRunEvents(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  callerTeam: string | undefined,
  /** Whether the caller may still read (its key not revoked, its session not ended). */
  stillAllowed: () => boolean,
): void {
  const team = listedTeam(params, callerTeam);
  const head = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' };
  onlyParams(params, EVENTS_PARAMS, '/admin/v1/runs/events');
  const limit = intParam(params, 'limit', { fallback: 100, min: 1, max: 200 });
  const intervalMs = intParam(params, 'interval_ms', { fallback: 1000, min: 1000, max: 60_000 });
  // HEAD: the stream's headers, and no stream (one would never end, and hold the connection).
  if (req.method === 'HEAD') return void res.writeHead(200, head).end();
  let open = openByGateway.get(deps);
  if (!open) openByGateway.set(deps, (open = new Map()));
  const who = callerTeam === undefined ? '\u0000admin' : callerTeam;
  if ((open.get(who) ?? 0) >= STREAMS_PER_CALLER || (open.get('') ?? 0) >= STREAMS) {
    throw new GatewayError('rate_limited', `Too many live run streams open (at most ${STREAMS_PER_CALLER} per team, ${STREAMS} in all); close one and retry.`, { details: { retry_after_seconds: 5 } });
  }
  const counts = open;
  const add = (d: number): void => {
    for (const k of [who, '']) counts.set(k, (counts.get(k) ?? 0) + d);
  };
  add(1);
  res.writeHead(200, head);
  res.write('retry: 2000\n\n');
  let last = '';
  let lastWrite = Date.now();
  let closed = false;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (closed || busy) return;
    if (!stillAllowed()) {
      stop();
      res.end();
      return;
    }
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
    if (closed) return;
    closed = true;
    clearInterval(timer);
    add(-1);
  };
  req.once('close', stop);
  res.once('close', stop);
  void tick();
}
