/**
 * What a replayed call costs: the ledger's own cost when it is served as it was, otherwise its
 * recorded tokens at the replayed model's rates (src/pricing) for the service tier that served it
 * (as the gateway prices a call), with the output cut to a clamp.
 */
import { costOf, ratesForTier } from '../../pricing/price-book.js';
import type { TokenUsage } from '../../pricing/usage.js';
import type { ReplayInput } from './call-input.js';
import type { ReplayPolicy } from './policy.js';

/** The call's tokens at `model`'s rates for `tier` (standard when null); null when the model is unpriced. */
export function costAt(p: ReplayPolicy, model: string, u: TokenUsage, tier: string | null): number | null {
  const rates = p.rates.get(model);
  return rates ? costOf(ratesForTier(rates, tier), u) : null;
}

function capped(u: TokenUsage, cap: number | null): TokenUsage {
  if (cap === null || u.output + u.reasoning <= cap) return u;
  const reasoning = Math.min(u.reasoning, cap);
  return { ...u, reasoning, output: Math.max(0, cap - reasoning) };
}

export function replayedCost(p: ReplayPolicy, x: ReplayInput, model: string, outputCap: number | null): number {
  const r = x.row;
  if (x.refusedLive) return 0; // never ran: its tokens are unknown (counted as such)
  const u = capped(x.usage, outputCap);
  if (model === r.servedModel && !r.cacheHit && u === x.usage) return r.costNanos;
  return costAt(p, model, u, r.serviceTier) ?? 0;
}

/** What the call would cost served as requested (the baseline of routing and cache savings). */
export function requestedCost(p: ReplayPolicy, x: ReplayInput): number {
  const r = x.row;
  if (x.refusedLive) return 0;
  if (x.requested === r.servedModel && !r.cacheHit) return r.costNanos;
  return costAt(p, x.requested, x.usage, r.serviceTier) ?? (r.servedModel !== null && !r.cacheHit ? r.costNanos : 0);
}
