/**
 * A counter's leases by call id (memory/counter-store.ts). Most counters hold one lease at a time (a
 * rate counter of one key's minute, a key's concurrency while one call is in flight): that one is kept
 * in two fields, and a Map is made only for a second lease at once. A Map per counter cost a per-minute
 * rate counter most of its memory, and its deletes rehash it.
 */
export interface Lease {
  amount: number;
  expiresAt: number;
}

export class LeaseSet {
  private id: string | null = null;
  private one: Lease | null = null;
  private more: Map<string, Lease> | null = null;

  get(id: string): Lease | undefined {
    if (this.id === id) return this.one!;
    return this.more?.get(id);
  }

  set(id: string, lease: Lease): void {
    if (this.id === id) this.one = lease;
    else if (this.id === null && !this.more?.has(id)) {
      this.id = id;
      this.one = lease;
    } else (this.more ??= new Map()).set(id, lease);
  }

  /** Removes the call's lease and returns it. */
  delete(id: string): Lease | undefined {
    if (this.id === id) {
      const l = this.one!;
      this.id = null;
      this.one = null;
      return l;
    }
    const l = this.more?.get(id);
    if (l) this.more!.delete(id);
    return l;
  }

  /** Drops the leases expired at `now`; the sum of the others' amounts and their earliest expiry. */
  dropExpired(now: number): { reserved: number; next: number } {
    let reserved = 0;
    let next = Infinity;
    if (this.one !== null) {
      if (this.one.expiresAt <= now) this.id = this.one = null;
      else {
        reserved += this.one.amount;
        next = this.one.expiresAt;
      }
    }
    if (this.more) {
      for (const [id, l] of this.more) {
        if (l.expiresAt <= now) this.more.delete(id);
        else {
          reserved += l.amount;
          if (l.expiresAt < next) next = l.expiresAt;
        }
      }
    }
    return { reserved, next };
  }
}
