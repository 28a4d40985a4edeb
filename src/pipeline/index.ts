/**
 * A model call, stage by stage. This is the one place the order is written down:
 *
 *   authenticate -> attribute -> read body -> validate -> guard the run -> route -> [cache hit: answer]
 *   -> reserve budget -> call the provider (fallbacks) -> meter -> [cache store] -> settle
 *   -> guard the run (outputs) -> record
 *
 * Whatever happens, a call that passed authentication leaves exactly one ledger row, and whatever it
 * reserved is settled (to its real cost) or released.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toGatewayError } from '../errors.js';
import { BodyAborted, readBody, RequestTimedOut } from '../server/read-body.js';
import { respondError, streamErrorEvent } from '../server/respond-error.js';
import type { ApiShape, Endpoint } from '../providers/types.js';
import { authenticate } from './authenticate.js';
import { attribute } from './attribute.js';
import { markAborted, responsesPosition } from './relay-stream.js';
import { callWithFallbacks } from './fallback.js';
import { newContext } from './context.js';
import { newCallId } from './call-id.js';
import type { GatewayDeps } from './deps.js';
import { estimateUsage, needsEstimate, price } from './meter.js';
import { toRow } from './record.js';
import { reserve } from './reserve.js';
import { planRoute } from './route.js';
import { settle } from './settle.js';
import { settleNewBudgets } from './new-budgets.js';
import { serveFromCache, storeInCache } from './cache.js';
import { guardRunAfter, guardRunBefore } from './guard-run.js';
import { validate } from './validate.js';

/** The key of the request fingerprints (context.ts bodyDigest): derived once per gateway from its key secret. */
const fingerprintKeys = new WeakMap<GatewayDeps, string>();
function fingerprintKey(deps: GatewayDeps): string {
  let k = fingerprintKeys.get(deps);
  if (k === undefined) fingerprintKeys.set(deps, (k = createHash('sha256').update(`tollgate request fingerprint\n${deps.keySecret}`).digest('hex')));
  return k;
}

/**
 * Stages with nothing to do for this call (run guard off, no cache on the route, no budget or rate
 * limit, usage reported) are skipped here rather than awaited: each await costs a turn of the
 * microtask queue and a promise, per call.
 */
export async function runModelCall(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  api: ApiShape,
  endpoint: Endpoint,
): Promise<void> {
  const startedAt = deps.now();
  const ctx = newContext({ id: newCallId(startedAt), api, endpoint, req, res, startedAt, digestKey: fingerprintKey(deps) });
  try {
    ctx.key = authenticate(deps, req.headers);
    ctx.attribution = attribute(ctx.key, req.headers);
    ctx.rawBody = await readBody(req, deps.config.server.max_body_bytes);
    validate(ctx);
    if (deps.guard.config.enabled) await guardRunBefore(deps, ctx);
    planRoute(deps, ctx);
    if (!(ctx.route?.cache && (await serveFromCache(deps, ctx)))) {
      const reserving = reserve(deps, ctx);
      if (reserving) await reserving;
      if (ctx.downgradedBy) res.setHeader('x-tollgate-downgraded-by', ctx.downgradedBy);
      if (ctx.clampedTo !== null) res.setHeader('x-tollgate-clamped-max-tokens', String(ctx.clampedTo));
      await callWithFallbacks(deps, ctx);
    }
  } catch (err) {
    if (err instanceof BodyAborted) markAborted(ctx);
    else {
      const e = toGatewayError(err);
      if (e.code === 'internal_error') deps.log.error({ err, callId: ctx.id }, 'call failed');
      ctx.status = 'error';
      ctx.errorCode = e.code;
      ctx.httpStatus = e.status;
      if (err instanceof RequestTimedOut) {
        // node:http has answered it with 408 already (server/client-error.ts).
      } else if (!res.headersSent) respondError(res, api, e, ctx.id);
      else if (!res.writableEnded) res.end(streamErrorEvent(api, e, responsesPosition(ctx, null)));
    }
  }
  try {
    if (needsEstimate(ctx)) await estimateUsage(ctx);
    price(ctx, ctx.target ? (deps.models.get(ctx.target.requested)?.rates ?? null) : null);
  } catch (err) {
    deps.log.error({ err, callId: ctx.id }, 'metering failed; recording the call unpriced');
  }
  if (ctx.cache) await storeInCache(deps, ctx);
  try {
    if (ctx.reservation) {
      const settling = settle(deps, ctx);
      if (settling) await settling;
    }
    const late = settleNewBudgets(deps, ctx);
    if (late) await late;
  } catch (err) {
    // The reservation's lease expires on its own; the ledger row below is still written.
    deps.log.error({ err, callId: ctx.id }, 'settling the reservation failed');
  }
  try {
    if (ctx.guarded) await guardRunAfter(deps, ctx);
  } catch (err) {
    deps.log.error({ err, callId: ctx.id }, 'run guard failed after the call');
  }
  const row = toRow(ctx, deps.now());
  if (row) {
    deps.recorder.record(row);
    deps.telemetry.onCall(row, ctx);
  }
}
