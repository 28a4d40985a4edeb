/**
 * A counter's leases by call id (memory/counter-store.ts), in parallel arrays: call ids, amounts and
 * expiries, removed by moving the last lease into the hole. Nothing is allocated per lease.
 *
 * Why not a Map keyed by call id: the counter lives long (old generation) and its leases are many
 * short calls. A Map's table is replaced as entries come and go, and a replaced table left in the old
 * generation still points at the calls it held until the next full GC: the young-generation collector
 * takes those for live, and the call's id, its planned limits and what hangs off them were promoted to
 * the old generation, 2-3x the promoted bytes per call of a gateway without budgets. Here a removed
 * lease's slots are overwritten at once.
 *
 * Lookup by call id: a linear scan while the set is small (most counters hold a lease or a few: a
 * key's rate counter, a key's concurrency), and past that an open-addressed hash index of slot numbers
 * (an Int32Array: it points at no object, so it keeps nothing alive).
 */

/** Past this many leases, lookups go through the hash index instead of scanning. */
const SCAN_MAX = 8;
const EMPTY = -1;

export class LeaseSet {
  private ids: string[] = [];
  private amounts: number[] = [];
  private expiries: number[] = [];
  /** hash(id) per slot, kept while the index exists (so moving a lease needs no rehash). */
  private hashes: number[] = [];
  private n = 0;
  /** Slot numbers by hash of the call id (linear probing), built once the set outgrows SCAN_MAX. */
  private index: Int32Array | null = null;

  get size(): number {
    return this.n;
  }

  /** The slot of the call's lease, or -1. */
  find(id: string): number {
    if (this.index === null) {
      const ids = this.ids;
      for (let i = 0; i < this.n; i++) if (ids[i] === id) return i;
      return -1;
    }
    const ix = this.index;
    const mask = ix.length - 1;
    for (let h = hashOf(id) & mask; ; h = (h + 1) & mask) {
      const s = ix[h]!;
      if (s === EMPTY) return -1;
      if (this.ids[s] === id) return s;
    }
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
    const slot = this.n++;
    this.ids[slot] = id;
    this.amounts[slot] = amount;
    this.expiries[slot] = expiresAt;
    if (this.index !== null) {
      this.hashes[slot] = hashOf(id);
      if (this.n * 2 > this.index.length) this.reindex();
      else this.insert(slot);
    } else if (this.n > SCAN_MAX) this.reindex();
  }

  /** Set the call's lease, adding it if absent. */
  set(id: string, amount: number, expiresAt: number): void {
    const slot = this.find(id);
    if (slot < 0) this.add(id, amount, expiresAt);
    else this.setAt(slot, amount, expiresAt);
  }

  /** Remove the lease in `slot` (from find()); returns its amount. */
  removeAt(slot: number): number {
    const amount = this.amounts[slot]!;
    const last = --this.n;
    if (this.index !== null) this.unindex(slot);
    if (slot !== last) {
      this.ids[slot] = this.ids[last]!;
      this.amounts[slot] = this.amounts[last]!;
      this.expiries[slot] = this.expiries[last]!;
      if (this.index !== null) {
        this.hashes[slot] = this.hashes[last]!;
        this.index[this.position(last)] = slot;
      }
    }
    // The call's id must not stay reachable from here (see the header).
    this.ids[last] = '';
    if (this.index !== null && this.n <= SCAN_MAX / 2) this.index = null;
    return amount;
  }

  /** Removes the call's lease; its amount, or undefined when it held none. */
  delete(id: string): number | undefined {
    const slot = this.find(id);
    return slot < 0 ? undefined : this.removeAt(slot);
  }

  /** Drops the leases expired at `now`; the sum of the others' amounts and their earliest expiry. */
  dropExpired(now: number): { reserved: number; next: number } {
    let reserved = 0;
    let next = Infinity;
    for (let i = 0; i < this.n; ) {
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

  /** Rebuild the index for the current leases, at most a quarter full. */
  private reindex(): void {
    let cap = 32;
    while (cap < this.n * 4) cap *= 2;
    this.index = new Int32Array(cap).fill(EMPTY);
    for (let i = 0; i < this.n; i++) {
      this.hashes[i] = hashOf(this.ids[i]!);
      this.insert(i);
    }
  }

  private insert(slot: number): void {
    const ix = this.index!;
    const mask = ix.length - 1;
    let h = this.hashes[slot]! & mask;
    while (ix[h] !== EMPTY) h = (h + 1) & mask;
    ix[h] = slot;
  }

  /** The index position holding `slot`. */
  private position(slot: number): number {
    const ix = this.index!;
    const mask = ix.length - 1;
    let h = this.hashes[slot]! & mask;
    while (ix[h] !== slot) h = (h + 1) & mask;
    return h;
  }

  /** Remove `slot` from the index, shifting back the entries after it (linear probing needs no tombstones). */
  private unindex(slot: number): void {
    const ix = this.index!;
    const mask = ix.length - 1;
    let hole = this.position(slot);
    for (let j = (hole + 1) & mask; ix[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.hashes[ix[j]!]! & mask;
      // Entry j may move into the hole unless its home lies cyclically in (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        ix[hole] = ix[j]!;
        hole = j;
      }
    }
    ix[hole] = EMPTY;
  }
}

let lastId = '';
let lastHash = 0;

/**
 * FNV-1a over the id's UTF-16 code units, in small-integer range (stored unboxed). A call reserves on
 * several counters with the same id string: the last one's hash is reused.
 */
function hashOf(id: string): number {
  if (id === lastId) return lastHash;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  lastId = id;
  return (lastHash = h & 0x3fffffff);
}
