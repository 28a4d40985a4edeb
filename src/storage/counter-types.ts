/**
 * Counters behind budgets and rate limits. A counter is a named integer with a limit; a call reserves
 * an amount on several counters at once (all or nothing), holds it under a lease, then commits the
 * actual amount (which replaces the reservation) or releases it. A reservation whose lease expired
 * no longer counts, so a gateway that dies leaks nothing.
 *
 * Budgets count nano-dollars (and optionally tokens) per calendar period; rate limits count requests
 * or tokens per minute, and concurrent calls (committed with 0). The key names the window, so a new
 * period is simply a new key; `ttlSeconds` lets a backend forget old windows.
 *
 * Backends: memory/ (one instance), redis/ (many instances; one round trip per operation).
 */

export interface CounterItem {
  key: string;
  /** Inclusive: used + reserved + amount must stay <= limit. */
  limit: number;
  amount: number;
  ttlSeconds: number;
}

export interface CounterState {
  used: number;
  /** Sum of live (unexpired) reservations. */
  reserved: number;
}

export interface AcquireRequest {
  callId: string;
  items: CounterItem[];
  leaseMs: number;
  now: number;
}

export type AcquireResult =
  /** `before`: each counter's state before this reservation, in item order. */
  | { ok: true; before: CounterState[] }
  /** `index`: the first item that did not fit; nothing was reserved. */
  | { ok: false; index: number; before: CounterState[] };

export interface CommitItem {
  key: string;
  actual: number;
  ttlSeconds: number;
}

export interface CounterStore {
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  /** Drop the call's reservations on these keys and add the actual amounts (counted even if the lease expired). Returns the states after. */
  commit(callId: string, items: CommitItem[], now: number): Promise<CounterState[]>;
  /** Drop the call's reservations on these keys. */
  release(callId: string, keys: string[], now: number): Promise<void>;
  /** Extend the leases of calls still in flight. */
  renew(leases: { callId: string; keys: string[] }[], leaseMs: number, now: number): Promise<void>;
  read(keys: string[], now: number): Promise<CounterState[]>;
  /** Add to `used` directly (rebuilding from the ledger, reconciling after running on local counters). */
  add(key: string, amount: number, ttlSeconds: number, now: number): Promise<void>;
  /** Set a flag if absent; true when this caller set it (alert de-duplication across instances). */
  claim(key: string, ttlSeconds: number, now: number): Promise<boolean>;
  /**
   * Seed a budget counter with what the ledger already holds, once across all instances: the seed
   * flag (claim's flag `seed:<key>`) and the amount land in one atomic step, so no instance can see
   * the flag set and the counter still empty. True when this caller seeded it, false when it was
   * seeded already (its amount is then dropped).
   */
  seed(key: string, amount: number, ttlSeconds: number, now: number): Promise<boolean>;
  /** Whether the counter has been seeded (its seed flag is set). */
  seeded(key: string, now: number): Promise<boolean>;
  /**
   * add(), in one atomic step, only to a counter seeded at or before `spentAt`: spend owed from an
   * outage (its last call settled at `spentAt`). A counter seeded later, or not yet, has it from the
   * ledger's sum. True when it was added.
   */
  addIfSeeded(key: string, amount: number, ttlSeconds: number, now: number, spentAt: number): Promise<boolean>;
  close(): Promise<void>;
}
