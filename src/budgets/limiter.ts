/**
 * The gateway's face of the counter store: lazily seeds budget counters from the ledger, keeps the
 * leases of calls in flight alive, and applies the fail policy when a shared counter store is down
 * (closed: refuse with limits_unavailable; open: continue on local counters, reconcile later).
 */
import type { Logger } from 'pino';
import { GatewayError } from '../errors.js';
import { isBudget, type PlannedLimit } from '../policy/limits.js';
import { resolvePace } from '../policy/pacing.js';
import type { AcquireResult, CommitItem, CounterState, CounterStore } from '../storage/counter-types.js';
import { CallsInFlight } from './calls-in-flight.js';
import { claimInStore, newClaimToken } from './alert-claims.js';
import { MemoryCounterStore } from '../storage/memory/counter-store.js';
import type { Store } from '../storage/types.js';

export interface LimiterOptions {
  counters: CounterStore;
  store: Store;
  log: Logger;
  leaseMs: number;
  /** null for in-process counters, which cannot be unavailable. */
  fail: 'closed' | 'open' | null;
  now: () => number;
  /** Write the rows this instance still holds to the ledger, so a seed's sum counts them (the recorder's flush). */
  beforeSeed?: () => Promise<void>;
}

type SumMatch = Parameters<Store['sumCalls']>[0]['match'];

function matchOf(l: PlannedLimit): SumMatch {
  const scope = l.scope;
  if (scope === 'org') return {};
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i) as keyof SumMatch;
  // A run's counter is its team's run (policy/limits.ts counterScope).
  return l.team === undefined ? { [kind]: scope.slice(i + 1) } : { [kind]: scope.slice(i + 1), team: l.team };
}


export class Limiter {
  private readonly seeded = new Map<string, Promise<void>>();
  /** Counters whose seeding finished. */
  private readonly ready = new Set<string>();
  /** Counts forgetSeeding(): a seed begun before it does not mark its counter ready after it. */
  private seedEpoch = 0;
  /** Calls holding reservations, with the limits they hold them on (for lease renewal). */
  private readonly flight = new CallsInFlight();
  /** Fail open: the counters used while the shared store is down (fresh for each outage, seeded like it). */
  private local = new MemoryCounterStore();
  /** Amounts committed locally while the shared store was down, to add back when it returns. */
  private readonly owed = new Map<string, { amount: number; ttlSeconds: number; budget: boolean; spentAt: number }>();
  private degraded = false;
  /** The last state this instance saw of each counter (for route rules on budget utilisation). */
  private readonly seen = new Map<string, { used: number; reserved: number; limit: number }>();
  private timer: NodeJS.Timeout | undefined;
  /** Per paced day counter: the period's spend before that day (see loadPaceBase). */
  private readonly paceBase = new Map<string, number>();
  /** The counter store itself when it answers synchronously (in process, no fail policy to apply). */
  private readonly sync: MemoryCounterStore | null;
  private readonly claimToken = newClaimToken();

  constructor(private readonly o: LimiterOptions) {
    this.sync = o.fail === null && o.counters instanceof MemoryCounterStore ? o.counters : null;
  }

  start(): void {
    // Renew well within the lease; retry reconciliation after an outage about once a second.
    this.timer = setInterval(() => void this.tick(), Math.min(1000, Math.max(250, Math.floor(this.o.leaseMs / 3))));
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reconcile().catch(() => undefined);
    await this.o.counters.close();
  }

  private async tick(): Promise<void> {
    const now = this.o.now();
    if (this.flight.size > 0) {
      const leases = new Array<{ callId: string; keys: string[] }>(this.flight.size);
      for (let i = 0; i < leases.length; i++) leases[i] = { callId: this.flight.idAt(i), keys: this.flight.limitsAt(i).map((l) => l.key) };
      await this.run((c) => c.renew(leases, this.o.leaseMs, now)).catch(() => undefined);
    }
    if (this.owed.size > 0) await this.reconcile().catch(() => undefined);
  }

  /** `op` on the shared store, or as the fail policy says when it fails; `limits`: the ones `op` reserves on (seeded first on local counters). */
  private run<T>(op: (c: CounterStore) => Promise<T>, limits?: PlannedLimit[]): Promise<T> {
    if (this.o.fail === null) return op(this.o.counters);
    // The common case, the shared store answering, costs one promise reaction and nothing else.
    return op(this.o.counters).then(
      (out) => {
        if (!this.degraded) return out;
        this.recovered();
        // The operation that found the store back ran on counters this instance has not seen seeded
        // there (a store that came back empty has none): its limits are seeded now, while the call is
        // in flight (its ledger row is not yet written, so the sum does not hold it twice).
        return limits ? this.seedAll(limits).then(() => out) : out;
      },
      (err: unknown) => this.failOver(err, op, limits),
    );
  }

  private recovered(): void {
    this.degraded = false;
    // Budget counters are seeded again, on the shared store: where it kept them its seed flag stops a
    // second seed; a store that came back empty gets the ledger's spend. The next outage starts afresh.
    this.forgetSeeding();
    this.local = new MemoryCounterStore();
    this.o.log.warn('counter store is back');
  }

  private forgetSeeding(): void {
    this.seedEpoch++;
    this.seeded.clear();
    this.ready.clear();
  }

  /**
   * The shared store failed: refuse (fail closed) or run the operation on local counters (fail open).
   * Local budget counters are seeded from the ledger as the shared ones were (an outage does not reset
   * spend to zero): at the first failure every counter is marked unseeded, and the limits an operation
   * reserves on are seeded before it runs.
   */
  private async failOver<T>(err: unknown, op: (c: CounterStore) => Promise<T>, limits?: PlannedLimit[]): Promise<T> {
    if (this.o.fail === 'closed') {
      throw new GatewayError('limits_unavailable', 'Budgets and rate limits cannot be checked right now (counter store unreachable); refusing the call.', { cause: err });
    }
    if (!this.degraded) {
      this.degraded = true;
      this.forgetSeeding();
      this.holdInFlightLocally();
      this.o.log.warn({ err }, 'counter store unreachable: failing open on local per-instance counters');
    }
    if (limits) for (const l of limits) if (isBudget(l) && !this.ready.has(l.key)) await this.seed(l);
    return op(this.local);
  }

  /** This instance's calls in flight keep their holds on the fresh local counters (an outage frees nothing); the seed adds the ledger under them. */
  private holdInFlightLocally(): void {
    const now = this.o.now();
    for (let i = 0; i < this.flight.size; i++) {
      const limits = this.flight.limitsAt(i);
      const items = limits.map((l) => ({ key: l.key, limit: Number.POSITIVE_INFINITY, amount: l.amount, ttlSeconds: l.ttlSeconds }));
      this.local.acquireNow({ callId: this.flight.idAt(i), items, leaseMs: this.o.leaseMs, now });
    }
  }

  private async reconcile(): Promise<void> {
    if (this.o.fail === null || this.owed.size === 0) return;
    const now = this.o.now();
    for (const [key, { amount, ttlSeconds, budget, spentAt }] of [...this.owed]) {
      // A budget counter the shared store seeded after this spend (it came back empty, or the counter
      // was first used during the outage) or has not seeded yet has it, or will, from the ledger's sum:
      // added as well, it would count twice.
      if (budget) await this.o.counters.addIfSeeded(key, amount, ttlSeconds, now, spentAt);
      else await this.o.counters.add(key, amount, ttlSeconds, now);
      this.owed.delete(key);
    }
    this.o.log.warn('added spend owed since the counter store was unreachable');
  }

  /** Bring a budget counter up to what the ledger already holds for its window, once per key. */
  private seed(l: PlannedLimit): Promise<void> {
    let p = this.seeded.get(l.key);
    if (!p) {
      // Bounded (run:* budgets make a counter per run); forgetting is safe: the seed flag stops a second seed.
      if (this.seeded.size > 100_000) this.forgetSeeding();
      // No call reserves on the counter until it is seeded, by this instance or another: each instance
      // sums the ledger itself and the first seed to land counts (the store sets the seed flag and adds
      // in one step). A flag set apart from the amount would let another instance reserve on a counter
      // whose seed had not landed yet. Where the flag is set already the ledger is not read.
      // Failing open, local counters are seeded directly: a store answering reads but refusing writes must not pass for recovered.
      const on: <T>(op: (c: CounterStore) => Promise<T>) => Promise<T> = this.degraded ? (op) => op(this.local) : (op) => this.run(op);
      const epoch = this.seedEpoch;
      const key = l.key;
      const seeding = (async () => {
        const now = this.o.now();
        if (await on((c) => c.seeded(key, now))) return;
        if (this.o.beforeSeed) await this.o.beforeSeed();
        const sum = await this.o.store.sumCalls({ from: l.window.start, to: now, match: matchOf(l) });
        const amount = l.kind === 'budget_tokens' ? sum.tokens : sum.costNanos;
        await on((c) => c.seed(key, amount, l.ttlSeconds, now));
      })();
      seeding.then(
        () => {
          if (this.seedEpoch === epoch) this.ready.add(key);
        },
        () => {
          if (this.seeded.get(key) === seeding) this.seeded.delete(key);
        },
      );
      this.seeded.set(key, (p = seeding));
    }
    return p;
  }

  /** True when every limit can be reserved on now: budget counters seeded, no pacing allowance to resolve. */
  private prepared(limits: PlannedLimit[]): boolean {
    for (const l of limits) {
      if (l.pace || (isBudget(l) && !this.ready.has(l.key))) return false;
    }
    return true;
  }

  acquire(callId: string, limits: PlannedLimit[]): Promise<AcquireResult> {
    // Seeding happens once per counter and pacing needs today's allowance; otherwise no await (each
    // costs a trip through the microtask queue), straight to the counter store.
    return this.prepared(limits) ? this.acquireReady(callId, limits) : this.prepareAndAcquire(callId, limits);
  }

  /**
   * acquire() without a promise, when the counters are in process and the limits are prepared: the
   * call's reserve stage then completes in the same turn. null otherwise (use acquire()).
   */
  acquireNow(callId: string, limits: PlannedLimit[]): AcquireResult | null {
    if (this.sync === null || !this.prepared(limits)) return null;
    const res = this.sync.acquireNow({ callId, items: limits, leaseMs: this.o.leaseMs, now: this.o.now() });
    this.held(callId, limits, res);
    return res;
  }

  private async prepareAndAcquire(callId: string, limits: PlannedLimit[]): Promise<AcquireResult> {
    for (const l of limits) if (isBudget(l) && !this.ready.has(l.key)) await this.seed(l);
    for (const l of limits) if (l.pace) resolvePace(l, this.paceBase.get(l.key) ?? (await this.loadPaceBase(l)));
    return this.acquireReady(callId, limits);
  }

  private acquireReady(callId: string, limits: PlannedLimit[]): Promise<AcquireResult> {
    const now = this.o.now();
    // A planned limit is a counter item (key, limit, amount, ttlSeconds): the stores read it as one.
    return this.run((c) => c.acquire({ callId, items: limits, leaseMs: this.o.leaseMs, now }), limits).then((res) => {
      this.held(callId, limits, res);
      return res;
    });
  }

  private held(callId: string, limits: PlannedLimit[], res: AcquireResult): void {
    if (res.ok) this.flight.hold(callId, limits);
    for (let i = 0; i < limits.length; i++) this.remember(limits[i]!.key, res.before[i]!, limits[i]!.limit);
  }

  /**
   * A paced budget's spend before today: the period counter minus today's, read once per day and
   * counter (a paced budget costs one extra read a day, nothing per call; unpaced budgets nothing).
   */
  private async loadPaceBase(l: PlannedLimit): Promise<number> {
    const [period, today] = await this.run((c) => c.read([l.pace!.periodCounterKey, l.key], this.o.now()));
    const base = Math.max(0, period!.used - today!.used);
    if (this.paceBase.size > 50_000) this.paceBase.clear();
    this.paceBase.set(l.key, base);
    return base;
  }

  private remember(key: string, s: CounterState, limit: number): void {
    const last = this.seen.get(key);
    if (last) {
      last.used = s.used;
      last.reserved = s.reserved;
      last.limit = limit;
      return;
    }
    if (this.seen.size > 50_000) this.seen.clear();
    this.seen.set(key, { used: s.used, reserved: s.reserved, limit });
  }

  /** Utilisation in percent of the fullest of these counters, as last seen here; null if none was seen. */
  lastUtilisation(keys: readonly string[]): number | null {
    let max: number | null = null;
    for (const k of keys) {
      const s = this.seen.get(k);
      if (!s || s.limit <= 0) continue;
      const pct = ((s.used + s.reserved) * 100) / s.limit;
      if (max === null || pct > max) max = pct;
    }
    return max;
  }

  async readKeys(keys: string[]): Promise<CounterState[]> {
    return this.run((c) => c.read(keys, this.o.now()));
  }

  /** The state of budget counters (see budgetUsdLimit), each filled from the ledger first if not yet. */
  async readBudgets(limits: PlannedLimit[]): Promise<CounterState[]> {
    await this.seedAll(limits);
    return this.readKeys(limits.map((l) => l.key));
  }

  private async seedAll(limits: PlannedLimit[]): Promise<void> {
    await Promise.all(limits.filter((l) => isBudget(l) && !this.ready.has(l.key)).map((l) => this.seed(l)));
  }

  /** `items` are the commit items of `limits`, one for one. */
  private owe(items: CommitItem[], limits: PlannedLimit[]): void {
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.actual === 0) continue;
      const prev = this.owed.get(it.key);
      this.owed.set(it.key, { amount: (prev?.amount ?? 0) + it.actual, ttlSeconds: it.ttlSeconds, budget: isBudget(limits[i]!), spentAt: this.o.now() });
    }
  }

  /**
   * commit() without a promise when the counters are in process (the states after, as commit()
   * resolves them); null otherwise (use commit()).
   */
  commitNow(callId: string, limits: PlannedLimit[], actual: (l: PlannedLimit) => number): CounterState[] | null {
    const c = this.sync;
    if (c === null) return null;
    this.flight.land(callId);
    const now = this.o.now();
    const states = new Array<CounterState>(limits.length);
    for (let i = 0; i < limits.length; i++) {
      const l = limits[i]!;
      const s = c.commitKeyNow(callId, l.key, actual(l), l.ttlSeconds, now);
      this.remember(l.key, s, l.limit);
      states[i] = s;
    }
    return states;
  }

  /** Replace the call's reservations by what it actually used. */
  commit(callId: string, limits: PlannedLimit[], actual: (l: PlannedLimit) => number): Promise<CounterState[]> {
    this.flight.land(callId);
    const items = new Array<CommitItem>(limits.length);
    for (let i = 0; i < limits.length; i++) {
      const l = limits[i]!;
      items[i] = { key: l.key, actual: actual(l), ttlSeconds: l.ttlSeconds };
    }
    if (this.o.fail !== null) return this.commitShared(callId, limits, items);
    return this.o.counters.commit(callId, items, this.o.now()).then((states) => {
      for (let i = 0; i < limits.length; i++) this.remember(limits[i]!.key, states[i]!, limits[i]!.limit);
      return states;
    });
  }

  /** commit on a shared store: what it could not take is owed, and added back once it answers. */
  private commitShared(callId: string, limits: PlannedLimit[], items: CommitItem[]): Promise<CounterState[]> {
    const op = (c: CounterStore): Promise<CounterState[]> => c.commit(callId, items, this.o.now());
    const took = (states: CounterState[]): CounterState[] => {
      for (let i = 0; i < limits.length; i++) this.remember(limits[i]!.key, states[i]!, limits[i]!.limit);
      return states;
    };
    return op(this.o.counters).then(
      (states) => {
        if (this.degraded) this.recovered();
        return took(states);
      },
      (err: unknown) =>
        this.failOver(err, op).then(
          (states) => {
            // Committed on local counters (fail open): owed to the shared store.
            this.owe(items, limits);
            return took(states);
          },
          (failed: unknown) => {
            // The shared store failed mid-settle (fail closed): the reservation will expire, so the
            // actual spend is owed and added back as soon as the store answers again. Never lost; but
            // a commit that timed out may still have run in Redis, and is then counted twice (commits
            // are not idempotent by call id).
            this.owe(items, limits);
            throw failed;
          },
        ),
    );
  }

  /**
   * Spend of a settled call on budget counters it held nothing on (budgets created while it was in
   * flight): added to a counter filled from the ledger before now, which did not count the call's row;
   * one filled later, or not yet, reads the row. What the shared store cannot take now is owed.
   */
  async addLate(limits: PlannedLimit[], actual: (l: PlannedLimit) => number): Promise<void> {
    const now = this.o.now();
    for (const l of limits) {
      const item = { key: l.key, actual: actual(l), ttlSeconds: l.ttlSeconds };
      if (item.actual <= 0) continue;
      try {
        await this.run((c) => c.addIfSeeded(l.key, item.actual, l.ttlSeconds, now, now));
        if (this.degraded) this.owe([item], [l]);
      } catch (err) {
        if (this.o.fail === null) throw err;
        this.owe([item], [l]);
      }
    }
  }

  async release(callId: string, limits: PlannedLimit[]): Promise<void> {
    this.flight.land(callId);
    await this.run((c) => c.release(callId, limits.map((l) => l.key), this.o.now()));
  }

  /** Set-once flag shared by all instances (alert de-duplication); kept across restarts: alert-claims.ts. */
  claim(key: string, ttlSeconds: number): Promise<boolean> {
    const claimed = this.run((c) => c.claim(key, ttlSeconds, this.o.now()));
    return this.sync === null ? claimed : claimed.then((ok) => ok && claimInStore(this.o.store, key, this.claimToken));
  }
}
