/**
 * Budgets created (or changed) while calls are in flight. A call reserves on the budgets that exist
 * when it starts; one created after holds nothing of it, so without more the new budget would admit
 * further calls as if the calls already running cost nothing (40 running streams and a new $0.005
 * budget let 8 more calls in: 5.8x the limit).
 *
 * So this instance keeps its calls in flight, and the first reservation made after the budget set
 * changed waits until every call in flight holds its worst case on the budgets it did not know
 * (`catchUp`): reserved past any limit (the call is running; only calls not yet admitted can be
 * refused), under a reservation id of its own, settled to the call's real cost with the call.
 * Should that reservation fail (the counter store down), the call's spend is added to the new
 * budgets when it settles (`addLate`), as for a budget that appears after the catch-up ran.
 * Other instances catch their own calls up when they see the new budget (their next reservation
 * after the budget poll).
 */
import { actualFor, isBudget, type PlannedLimit } from '../policy/limits.js';
import type { CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { totalTokens } from './reserve.js';

/** A reservation on budgets that appeared while the call was in flight. */
export interface LateHold {
  id: string;
  limits: PlannedLimit[];
  /** pending: being reserved; held: reserved, to settle; failed: not reserved (its spend is added late). */
  state: 'pending' | 'held' | 'failed';
}

interface InFlight {
  calls: Set<CallContext>;
  /** The budget set the calls in flight are caught up with. */
  version: object | null;
  catching: { version: object; done: Promise<void> } | null;
}

const byGateway = new WeakMap<GatewayDeps, InFlight>();

function inFlight(deps: GatewayDeps): InFlight {
  let f = byGateway.get(deps);
  if (!f) byGateway.set(deps, (f = { calls: new Set(), version: null, catching: null }));
  return f;
}

/** The call reserved (or tried to) as of the current budget set: it is in flight until it settles. */
export function enter(deps: GatewayDeps, ctx: CallContext): void {
  inFlight(deps).calls.add(ctx);
}

/**
 * null when every call in flight knows the current budget set; otherwise the promise of catching them
 * up, which a new reservation must wait for.
 */
export function catchUp(deps: GatewayDeps): Promise<void> | null {
  const f = inFlight(deps);
  const version = deps.limitPlans.version;
  if (f.version === version) return null;
  if (f.calls.size === 0) {
    f.version = version;
    return null;
  }
  if (f.catching?.version === version) return f.catching.done;
  const behind = [...f.calls].filter((c) => c.limitsVersion !== version && c.worstNanos >= 0 && !pending(c));
  const done = Promise.all(behind.map((c) => holdNewBudgets(deps, c, version))).then(() => {
    if (f.catching?.version === version) f.catching = null;
    f.version = version;
  });
  f.catching = { version, done };
  return done;
}

/** The budget keys the call holds a reservation on. */
function heldKeys(ctx: CallContext): Set<string> {
  const held = new Set<string>();
  for (const l of ctx.reservation?.limits ?? []) held.add(l.key);
  for (const h of ctx.lateHolds ?? NONE) if (h.state === 'held') for (const l of h.limits) held.add(l.key);
  return held;
}

/**
 * The budgets of the current set that apply to the call and that it holds nothing on, planned as of its
 * start (so an amount lands in the period window its row is counted in), for `nanos` and `tokens`.
 */
function unheldBudgets(deps: GatewayDeps, ctx: CallContext, nanos: number, tokens: number): PlannedLimit[] {
  const held = heldKeys(ctx);
  return deps.limitPlans
    .limitsFor(ctx.attribution!, ctx.key!.unlimited, ctx.startedAt, { worstNanos: nanos, worstTokens: tokens })
    .filter((l) => isBudget(l) && !held.has(l.key));
}

const NONE: readonly LateHold[] = [];
const pending = (ctx: CallContext): boolean => ctx.lateHolds !== null && ctx.lateHolds.some((h) => h.state === 'pending');

async function holdNewBudgets(deps: GatewayDeps, ctx: CallContext, version: object): Promise<void> {
  const limits = unheldBudgets(deps, ctx, ctx.worstNanos, ctx.worstTokens);
  if (limits.length === 0) {
    ctx.limitsVersion = version;
    return;
  }
  const hold: LateHold = { id: `${ctx.id}~late${ctx.lateHolds?.length ?? 0}`, limits, state: 'pending' };
  (ctx.lateHolds ??= []).push(hold);
  try {
    // Past any limit: the call is running already. No pacing allowance applies to it either.
    const forced = limits.map((l) => ({ ...l, limit: Number.MAX_SAFE_INTEGER, pace: undefined }));
    const res = await deps.limiter.acquire(hold.id, forced);
    hold.state = res.ok ? 'held' : 'failed';
    if (res.ok) ctx.limitsVersion = version;
  } catch (err) {
    hold.state = 'failed';
    deps.log.warn({ err, callId: ctx.id }, 'could not reserve a call in flight on a new budget; its spend is added when it settles');
  }
  // The call settled meanwhile: its late reservation is settled here.
  if (!inFlight(deps).calls.has(ctx)) await settleHeld(deps, ctx);
}

/**
 * Settle the call on the budgets it did not reserve on when it started: its late reservation is
 * replaced by its real cost, and budgets it holds nothing on get its spend added (settleLate).
 */
export function settleNewBudgets(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  const f = byGateway.get(deps);
  if (f) f.calls.delete(ctx);
  // Still being reserved: holdNewBudgets settles it once the reservation lands.
  if (pending(ctx)) return null;
  return settleHeld(deps, ctx);
}

function settleHeld(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  const late = settleLate(deps, ctx);
  const held = (ctx.lateHolds ?? NONE).filter((h) => h.state === 'held');
  if (held.length === 0) return late;
  const actual = { costNanos: ctx.costNanos, tokens: totalTokens(ctx) };
  const of = (l: PlannedLimit): number => actualFor(l, actual);
  return Promise.all([...held.map((h) => deps.limiter.commit(h.id, h.limits, of)), late]).then(() => undefined);
}

/**
 * Budgets the call holds nothing on, created after it started (and after any catch-up): its ledger row
 * is written only after this stage. A counter already filled from the ledger (by a call or a read since
 * the budget appeared) would never see this spend, so it is added there; a counter filled later reads
 * the row (the limiter writes this instance's rows before it sums the ledger). Planned as of the call's
 * start, so the spend lands in the period window its row is counted in.
 */
function settleLate(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  if (ctx.limitsVersion === null || ctx.limitsVersion === deps.limitPlans.version) return null;
  const actual = { costNanos: ctx.costNanos, tokens: totalTokens(ctx) };
  if (actual.costNanos <= 0 && actual.tokens <= 0) return null;
  const limits = unheldBudgets(deps, ctx, actual.costNanos, actual.tokens);
  return limits.length === 0 ? null : deps.limiter.addLate(limits, (l) => actualFor(l, actual));
}
