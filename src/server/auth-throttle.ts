/**
 * Failed admin authentication per client address (the admin API, dashboard sign-in): after
 * MAX_FAILURES within WINDOW_MS the address is refused, right key or not, until the window ends, so
 * an admin key cannot be guessed at the gateway's speed. Behind a proxy every client shares its
 * address: a burst of wrong keys through it holds back everyone's admin requests for a minute.
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';

const MAX_FAILURES = 20;
const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;

type Failures = Map<string, { count: number; since: number }>;
const byGateway = new WeakMap<GatewayDeps, Failures>();

function failuresOf(deps: GatewayDeps): Failures {
  let f = byGateway.get(deps);
  if (!f) byGateway.set(deps, (f = new Map()));
  return f;
}

/** Run `authenticate`; a refusal counts against the caller's address, and a blocked address is refused first. */
export function throttledAuth<T>(deps: GatewayDeps, req: IncomingMessage, authenticate: () => T): T {
  const failures = failuresOf(deps);
  const addr = req.socket.remoteAddress ?? '';
  const now = deps.now();
  let f = failures.get(addr);
  if (f && now - f.since >= WINDOW_MS) {
    failures.delete(addr);
    f = undefined;
  }
  if (f && f.count >= MAX_FAILURES) {
    const retry = Math.max(1, Math.ceil((f.since + WINDOW_MS - now) / 1000));
    throw new GatewayError('rate_limited', `Too many failed admin sign-ins from this address; retry in ${retry} s.`, { details: { retry_after_seconds: retry } });
  }
  try {
    return authenticate();
  } catch (err) {
    if (err instanceof GatewayError && (err.code === 'unauthenticated' || err.code === 'key_revoked')) {
      if (!f) {
        if (failures.size >= MAX_ADDRESSES) failures.clear();
        failures.set(addr, (f = { count: 0, since: now }));
      }
      f.count++;
    }
    throw err;
  }
}
