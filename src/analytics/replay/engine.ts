/**
 * The replay engine: ledger calls through the live gateway's policies in simulated time. Each call is
 * two events, its start (at startedAt: run guard, route, cache, budget reservation) and its end (at
 * endedAt: cost, settle, cache store, run guard on the output), processed in time order, so calls that
 * overlapped live overlap here. The stage order is pipeline/index.ts's.
 */
import type { PlannedLimit } from '../../policy/limits.js';
import type { CallPage, CallRow } from '../../storage/types.js';
import { BudgetStep } from './budget-step.js';
import { inputOf, replayable, totalTokens, type ReplayInput } from './call-input.js';
import { arrayPage } from './ledger.js';
import { GuardStep } from './guard-step.js';
import type { ReplayPolicy } from './policy.js';
import { Tally, type ReplayReport } from './report.js';
import { RouteStep } from './route-step.js';
import { replayedCost } from './repricing.js';

export type BlockedBy =
  /** `pacing`: refused by a paced budget's day allowance (policy/pacing.ts), not its period limit. */
  | { kind: 'budget'; budget: string; scope: string; unit: 'usd' | 'tokens'; pacing?: true }
  | { kind: 'rate'; scope: string; limit: 'rpm' | 'tpm' | 'concurrent' }
  | { kind: 'guard'; refusal: string }
  | { kind: 'route' };

/** What replay decided for one call. */
export interface CallOutcome {
  id: string;
  outcome: 'served' | 'cached' | 'blocked' | 'skipped';
  blockedBy: BlockedBy | null;
  /** The model that would have served it. */
  model: string | null;
  /** "rule:<name>", "downgrade:<budget>", "cache", or null. */
  route: string | null;
  clampedTo: number | null;
  costNanos: number;
}

export interface ReplayOptions {
  /** Keep every call's outcome in the report (tests, --json --calls); off for large ledgers. */
  outcomes?: boolean;
}

interface Pending {
  x: ReplayInput;
  limits: PlannedLimit[];
  model: string | null;
  label: string | null;
  targets0: string | null;
  cache: { key: string; ttlMs: number } | null;
  cached: boolean;
  guarded: boolean;
  blocked: BlockedBy | null;
  clampedTo: number | null;
  outputCap: number | null;
  /** Served by a paced budget's pacing model (`pace: downgrade`). */
  pacedDowngrade: boolean;
  /** Its place in the heap of calls in flight: when it ends, and the order it started in (ties). */
  endAt: number;
  seq: number;
}

export class ReplayEngine {
  private readonly budgets: BudgetStep;
  private readonly guard: GuardStep;
  private readonly routes: RouteStep;
  readonly tally: Tally;

  constructor(private readonly p: ReplayPolicy, private readonly opts: ReplayOptions = {}) {
    this.budgets = new BudgetStep(p);
    this.guard = new GuardStep(p.guard);
    this.routes = new RouteStep(p, (x, now) => this.budgets.usedPct(x, now));
    this.tally = new Tally(p, opts.outcomes === true);
  }

  start(x: ReplayInput): Pending {
    const now = x.row.startedAt;
    const c: Pending = { x, limits: [], model: null, label: null, targets0: null, cache: null, cached: false, guarded: false, blocked: null, clampedTo: null, outputCap: null, pacedDowngrade: false, endAt: 0, seq: 0 };
    if (this.guard.enabled) {
      const refused = this.guard.before(x, now);
      if (refused) {
        c.blocked = { kind: 'guard', refusal: refused.refuse! };
        return c;
      }
      c.guarded = true;
    }
    const routed = this.routes.route(x, now);
    if (!routed) {
      c.blocked = { kind: 'route' };
      return c;
    }
    c.model = c.targets0 = routed.targets[0]!;
    c.label = routed.label;
    // A fallback chain: the live call was served by a later target when the first failed (provider health, not policy).
    const live = x.row.servedModel;
    if (live !== null && live !== c.model && routed.targets.indexOf(live) > 0 && x.row.status === 'ok') c.model = live;
    if (routed.cache) {
      c.cache = routed.cache;
      if (this.routes.hit(routed.cache.key, now)) {
        c.cached = true;
        c.label = 'cache';
        return c;
      }
    }
    const r = this.budgets.reserve(x.row.id, x, routed.targets, now);
    if (!r.ok) {
      const l = r.limit;
      c.blocked = r.rate
        ? { kind: 'rate', scope: l.scope, limit: l.kind as 'rpm' | 'tpm' | 'concurrent' }
        : { kind: 'budget', budget: l.budget!.id, scope: l.scope, unit: l.kind === 'budget_tokens' ? 'tokens' : 'usd', ...(l.kind === 'budget_pace' ? { pacing: true as const } : {}) };
      this.tally.budgetBlocked(l, now);
      return c;
    }
    c.limits = r.limits;
    c.clampedTo = r.clampedTo;
    c.outputCap = r.outputCap;
    if (r.downgradedBy) {
      c.model = r.target;
      c.label = `downgrade:${r.downgradedBy}`;
      c.pacedDowngrade = r.pacedDowngrade;
    }
    return c;
  }

  end(c: Pending): void {
    const x = c.x;
    const at = x.row.endedAt;
    if (c.blocked && c.blocked.kind === 'guard') {
      this.tally.call(c, 0);
      return;
    }
    if (c.blocked) {
      if (c.guarded) this.guard.after(x, at, 0, 0, 0, false, null);
      this.tally.call(c, 0);
      return;
    }
    const model = c.model!;
    const cost = c.cached ? 0 : replayedCost(this.p, x, model, c.outputCap);
    const u = x.usage;
    const prompt = u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h;
    const ok = c.cached || x.refusedLive || x.row.status === 'ok';
    if (c.limits.length > 0) this.budgets.settle(x.row.id, c.limits, cost, x.refusedLive ? 0 : totalTokens(u), at);
    // Only complete answers as asked are cached (pipeline/cache.ts storeInCache).
    if (c.cache && !c.cached && ok && !x.refusedLive && x.row.status === 'ok' && !x.row.estimated && c.clampedTo === null && model === c.targets0) {
      this.routes.store(c.cache.key, x, model, c.cache.ttlMs, at);
    }
    if (c.guarded) this.guard.after(x, at, cost, prompt, totalTokens(u) - prompt, ok, c.cached ? null : x.upstreamStatus);
    this.tally.call(c, cost);
    this.budgets.release(c.limits);
  }

  report(): Promise<ReplayReport> {
    return Promise.resolve(this.tally.report(this.guard.stops));
  }
}

/** Replay calls (any order) through a policy. */
export async function replay(rows: readonly CallRow[], policy: ReplayPolicy, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const sorted = [...rows].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return replayPages(oneBatch(sorted), policy, opts);
}

async function* oneBatch(rows: CallRow[]): AsyncGenerator<CallPage> {
  await Promise.resolve();
  yield arrayPage(rows);
}

/**
 * Replay pages of calls that arrive in (startedAt, id) order (the ledger paged oldest first). Memory
 * stays bounded by the calls in flight at any instant: ends wait in a heap ordered by endedAt, and an
 * end at the same instant as a start goes first.
 */
export async function replayPages(pages: AsyncIterable<CallPage | readonly CallRow[]>, policy: ReplayPolicy, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const engine = new ReplayEngine(policy, opts);
  const ends = new EndHeap();
  for await (const rows of pages) {
    const page = isCallPage(rows) ? rows : arrayPage(rows);
    // Each row is built as it is reached: only the calls in flight hold theirs.
    for (let i = 0; i < page.length; i++) {
      const row = page.row(i);
      if (!replayable(row)) {
        engine.tally.skipped(row);
        continue;
      }
      while (ends.size > 0 && ends.peekAt() <= row.startedAt) engine.end(ends.pop());
      ends.push(engine.start(inputOf(row)));
    }
  }
  while (ends.size > 0) engine.end(ends.pop());
  return engine.report();
}

const isCallPage = (p: CallPage | readonly CallRow[]): p is CallPage => !Array.isArray(p);

/** A binary min-heap of calls in flight by end time (ties: the earlier start first), keyed on the calls themselves. */
class EndHeap {
  private readonly items: Pending[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekAt(): number {
    return this.items[0]!.endAt;
  }

  push(p: Pending): void {
    const h = this.items;
    p.endAt = Math.max(p.x.row.endedAt, p.x.row.startedAt);
    p.seq = this.seq++;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!less(h[i]!, h[up]!)) break;
      [h[i], h[up]] = [h[up]!, h[i]!];
      i = up;
    }
  }

  pop(): Pending {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: Pending, b: Pending): boolean {
  return a.endAt < b.endAt || (a.endAt === b.endAt && a.seq < b.seq);
}

export type { Pending };
