/**
 * Call the provider, falling back along the route's chain: on a retryable failure (408, 409, 429, 5xx,
 * connect or first-byte timeout, unreachable) before any byte reached the client, the next target is
 * tried. Never after bytes were sent, nor after the provider answered 2xx (its answer is billed). Each failed attempt is its own ledger row, linked to the call;
 * its cost (if any was estimated) is settled with the call. Circuit breakers skip failing targets; once a
 * cooldown ends, one call at a time probes the target (half-open) while the others keep skipping it.
 */
import { GatewayError, isRetryableStatus } from '../errors.js';
import { emptyUsage } from '../pricing/usage.js';
import { callProvider } from './call.js';
import type { CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { toRow } from './record.js';
import { resolveTarget } from './route.js';

function retryable(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return false;
  if (err.code === 'upstream_timeout' || err.code === 'upstream_unavailable') return true;
  const upstream = err.details?.['upstream_status'];
  return err.code === 'upstream_error' && typeof upstream === 'number' && isRetryableStatus(upstream);
}

function resetAttempt(ctx: CallContext): void {
  ctx.firstByteAt = null;
  ctx.upstreamSent = false;
  ctx.upstreamOk = false;
  ctx.usage = emptyUsage();
  ctx.usageComplete = false;
  ctx.promptKnown = false;
  ctx.serviceTier = null;
  ctx.generatedText = '';
  ctx.estimated = false;
  ctx.costNanos = 0;
  ctx.upstreamRequestId = null;
  ctx.upstreamStatus = null;
}

export async function callWithFallbacks(deps: GatewayDeps, ctx: CallContext): Promise<void> {
  const targets = ctx.route?.targets ?? [ctx.target!.model];
  for (let i = 0; ; i++) {
    const target = ctx.target!;
    const last = i >= targets.length - 1;
    // A half-open circuit lets one call probe its target; a call routed before another took the probe
    // skips it untried (the last target left is tried whatever its circuit says, as when routing).
    const gate = deps.circuits.admit(target.model, deps.now());
    if (!gate.allowed && !last) {
      ctx.target = resolveTarget(deps, ctx.api, targets[i + 1]!, target.requested);
      ctx.routeLabel = ctx.route?.label ?? null;
      deps.log.debug({ callId: ctx.id, from: target.model, to: ctx.target.model }, 'circuit half-open, probed by another call: skipping');
      continue;
    }
    try {
      await callProvider(deps, ctx, target);
      deps.circuits.record(target.model, true, deps.now());
      return;
    } catch (err) {
      // Once the provider answered 2xx it generated (and bills) that answer: a body that then fails is
      // this call's failure, estimated and recorded, not a reason to pay for a second answer. The
      // target did answer, though: its circuit closes.
      if (ctx.upstreamOk) deps.circuits.record(target.model, true, deps.now());
      if (!retryable(err) || ctx.res.headersSent || ctx.upstreamOk) {
        // A probe that ended without a verdict (a refused request, the client gone) frees the target for the next probe.
        if (gate.probe && !ctx.upstreamOk) deps.circuits.release(target.model);
        throw err;
      }
      deps.circuits.record(target.model, false, deps.now());
      if (last) throw err;
      // Record the failed attempt as its own row, then try the next target. A retryable failure before
      // the first byte produced no answer: the attempt is recorded with no tokens and no cost (the
      // reservation covers one answer, the one the chain finally gives).
      const e = err as GatewayError;
      const row = toRow(ctx, deps.now());
      if (row) {
        const attempt: typeof row = { ...row, id: `${ctx.id}.${i + 1}`, attemptOf: ctx.id, status: 'error', httpStatus: e.status, errorCode: e.code, route: ctx.route ? ctx.route.label : null, savedNanos: 0, costNanos: 0, estimated: false };
        deps.recorder.record(attempt);
        deps.telemetry.onCall(attempt, ctx);
      }
      resetAttempt(ctx);
      ctx.target = resolveTarget(deps, ctx.api, targets[i + 1]!, target.requested);
      ctx.routeLabel = ctx.route?.label ?? null;
      deps.log.warn({ callId: ctx.id, from: target.model, to: ctx.target.model, code: e.code }, 'falling back');
    }
  }
}
