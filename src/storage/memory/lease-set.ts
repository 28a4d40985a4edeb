/**
 * A counter's leases by call id (memory/counter-store.ts): the call ids in CallSlots (see there why
 * not a Map), amounts and expiries in arrays beside them, slot for slot. Nothing is allocated per lease.
 */
import { CallSlots } from './call-slots.js';

export class LeaseSet {
  private readonly calls = new CallSlots();
  private readonly amounts: number[] = [];
  private readonly expiries: number[] = [];

  get size(): number {
    return this.calls.size;
  }

  /** The slot of the call's lease, or -1. */
  find(id: string): number {
    return this.calls.find(id);
  }

  amountAt(slot: number): number {
    return this.amounts[slot]!;
  }

  expiryAt(slot: number): number {
    return this.expiries[slot]!;
  }

  /** Replace the lease in `slot` (from find()). */
  setAt(slot: number, amount: number, expiresAt: number): void {
    this.amounts[slot] = amount;
    this.expiries[slot] = expiresAt;
  }

  /** Add a lease for a call that holds none here (find() gave -1). */
  add(id: string, amount: number, expiresAt: number): void {
    this.setAt(this.calls.add(id), amount, expiresAt);
  }

  /** Set the call's lease, adding it if absent. */
  set(id: string, amount: number, expiresAt: number): void {
    const slot = this.calls.find(id);
    if (slot < 0) this.add(id, amount, expiresAt);
    else this.setAt(slot, amount, expiresAt);
  }

  /** Remove the lease in `slot` (from find()); returns its amount. */
  removeAt(slot: number): number {
    const amount = this.amounts[slot]!;
    const moved = this.calls.removeAt(slot);
    if (moved >= 0) this.setAt(slot, this.amounts[moved]!, this.expiries[moved]!);
    return amount;
  }

  /** Removes the call's lease; its amount, or undefined when it held none. */
  delete(id: string): number | undefined {
    const slot = this.calls.find(id);
    return slot < 0 ? undefined : this.removeAt(slot);
  }

  /** Drops the leases expired at `now`; the sum of the others' amounts and their earliest expiry. */
  dropExpired(now: number): { reserved: number; next: number } {
    let reserved = 0;
    let next = Infinity;
    for (let i = 0; i < this.calls.size; ) {
      const e = this.expiries[i]!;
      if (e <= now) {
        this.removeAt(i); // the last lease moves into slot i: look at it next
        continue;
      }
      reserved += this.amounts[i]!;
      if (e < next) next = e;
      i++;
    }
    return { reserved, next };
  }
}
