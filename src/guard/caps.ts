/** Per-run caps: the configured defaults, overridden per key/team/project/user, and the check before a call. */
import { formatUsd } from '../pricing/money.js';
import type { GuardConfig } from './config.js';
import type { RunState } from './state.js';
import type { GuardRefusal, RunCaps } from './types.js';

const NANOS_PER_USD = 1e9;

/** Per config without overrides: the one answer, read-only (built once, not per call). */
const DEFAULT_CAPS = new WeakMap<GuardConfig, Readonly<RunCaps>>();

/** The caps for a call with these attribution scopes: defaults, then each matching override in config order. */
export function capsFor(cfg: GuardConfig, scopes: readonly string[] = []): Readonly<RunCaps> {
  if (cfg.cap_overrides.length > 0) return resolveCaps(cfg, scopes);
  let caps = DEFAULT_CAPS.get(cfg);
  if (!caps) DEFAULT_CAPS.set(cfg, (caps = Object.freeze(resolveCaps(cfg, scopes))));
  return caps;
}

function resolveCaps(cfg: GuardConfig, scopes: readonly string[]): RunCaps {
  const c = { ...cfg.caps };
  for (const o of cfg.cap_overrides) {
    if (!scopes.includes(o.scope)) continue;
    if (o.max_calls !== undefined) c.max_calls = o.max_calls;
    if (o.max_cost_usd !== undefined) c.max_cost_usd = o.max_cost_usd;
    if (o.max_depth !== undefined) c.max_depth = o.max_depth;
    if (o.max_wall_ms !== undefined) c.max_wall_ms = o.max_wall_ms;
    if (o.max_concurrent !== undefined) c.max_concurrent = o.max_concurrent;
  }
  return {
    maxCalls: c.max_calls,
    maxCostNanos: c.max_cost_usd === null ? null : Math.round(c.max_cost_usd * NANOS_PER_USD),
    maxDepth: c.max_depth,
    maxWallMs: c.max_wall_ms,
    maxConcurrent: c.max_concurrent,
  };
}

export interface CapBreach {
  /** run_terminated ends the run; run_concurrency_exceeded refuses only this call. */
  refuse: GuardRefusal;
  reason: string;
}

const end = (reason: string): CapBreach => ({ refuse: 'run_terminated', reason: `cap: ${reason}` });

/** The cap a new call (at `depth`, `now`) would break, if any (checked before every call: nothing allocated when none is). */
export function capBreach(state: RunState, caps: RunCaps, depth: number, now: number): CapBreach | null {
  if (caps.maxCalls !== null && state.calls >= caps.maxCalls) return end(`max calls ${caps.maxCalls} reached`);
  if (caps.maxCostNanos !== null && state.costNanos >= caps.maxCostNanos) {
    return end(`max cost ${formatUsd(caps.maxCostNanos / NANOS_PER_USD)} reached (${formatUsd(state.costNanos / NANOS_PER_USD)} spent)`);
  }
  if (caps.maxWallMs !== null && now - state.startedAt >= caps.maxWallMs) {
    return end(`max wall time ${Math.round(caps.maxWallMs / 1000)} s reached`);
  }
  if (caps.maxDepth !== null && depth > caps.maxDepth) return end(`call tree deeper than ${caps.maxDepth}`);
  if (caps.maxConcurrent !== null && state.inFlight.length >= caps.maxConcurrent) {
    return { refuse: 'run_concurrency_exceeded', reason: `cap: ${caps.maxConcurrent} calls of the run already in flight` };
  }
  return null;
}
