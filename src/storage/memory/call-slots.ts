/**
 * Call ids in slots 0..size-1, found by id: the key part of a table of calls in flight whose values
 * the owner keeps in its own arrays, slot for slot (memory/lease-set.ts: a counter's leases; the
 * limiter's calls to renew). Removing a call moves the last one into its slot; the owner moves its
 * values the same way. Nothing is allocated per call.
 *
 * Why not a Map keyed by call id: such a table lives long (old generation) and its calls are many and
 * short. A Map's backing table is replaced as entries come and go, and a replaced table left in the
 * old generation still points at the calls it held until the next full GC: the young-generation
 * collector takes those for live, and promotes the call's id and whatever the entry held (its planned
 * limits, its lease) to the old generation. With budgets on, that was 2-3x the promoted bytes per call
 * of a gateway without budgets, and more full GCs. Here a removed call's slot is overwritten at once.
 *
 * Lookup: a linear scan while there are few calls (most counters hold one lease or a few: a key's rate
 * counter, a key's concurrency), and past that an open-addressed hash index of slot numbers (an
 * Int32Array: it points at no object, so it keeps nothing alive).
 */

/** Past this many calls, lookups go through the hash index instead of scanning. */
const SCAN_MAX = 8;
const EMPTY = -1;

export class CallSlots {
  private readonly ids: string[] = [];
  /** hashOf(id) per slot, kept while the index exists (so moving a call needs no rehash). */
  private readonly hashes: number[] = [];
  private n = 0;
  /** Slot numbers by hash of the call id (linear probing), built once there are more than SCAN_MAX calls. */
  private index: Int32Array | null = null;

  get size(): number {
    return this.n;
  }

  idAt(slot: number): string {
    return this.ids[slot]!;
  }

  /** The call's slot, or -1. */
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

  /** Add a call that is not here (find() gave -1); returns its slot (the last). */
  add(id: string): number {
    const slot = this.n++;
    this.ids[slot] = id;
    if (this.index !== null) {
      this.hashes[slot] = hashOf(id);
      if (this.n * 2 > this.index.length) this.reindex();
      else this.insert(slot);
    } else if (this.n > SCAN_MAX) this.reindex();
    return slot;
  }

  /**
   * Remove the call in `slot`. The last call moves into it: returns the slot it moved from (the owner
   * moves its values from there, and clears that slot), or -1 when `slot` was the last.
   */
  removeAt(slot: number): number {
    const last = --this.n;
    if (this.index !== null) this.unindex(slot);
    let moved = -1;
    if (slot !== last) {
      this.ids[slot] = this.ids[last]!;
      if (this.index !== null) {
        this.hashes[slot] = this.hashes[last]!;
        this.index[this.position(last)] = slot;
      }
      moved = last;
    }
    // The call's id must not stay reachable from here (see the header).
    this.ids[last] = '';
    if (this.index !== null && this.n <= SCAN_MAX / 2) this.index = null;
    return moved;
  }

  /** Rebuild the index for the current calls, at most a quarter full. */
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SMI_MASK = 0x3fffffff;
let lastId = '';
/** hashOf(''), so that the first lookup of an empty id agrees with later ones. */
let lastHash = FNV_OFFSET & SMI_MASK;

/**
 * FNV-1a over the id's UTF-16 code units, in small-integer range (stored unboxed). A call is looked up
 * in several tables in a row with the same id string (its counters, the limiter): the last hash is reused.
 */
function hashOf(id: string): number {
  if (id === lastId) return lastHash;
  let h = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), FNV_PRIME);
  lastId = id;
  return (lastHash = h & SMI_MASK);
}
