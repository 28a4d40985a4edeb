/**
 * How much of an output is new to the run: the share of its shingles (word bigrams) not seen in the
 * run's recent outputs. "Seen" is a pair of small Bloom filters that take turns (a generation holds
 * up to ROTATE_EVERY outputs; two generations are remembered), so memory is fixed and old outputs are
 * forgotten instead of saturating the filter in a long run. At most SAMPLE shingles of an output,
 * spread evenly over it, count; that bounds both the work and the filter's fill: at most 16 x 48 =
 * 768 shingles (two bits each) in 4,096 bits per generation, a false "seen" rate under 10% per
 * generation when full.
 */

/** 32-bit words per generation: 4,096 bits. */
export const BLOOM_WORDS = 128;
export const ROTATE_EVERY = 16;
export const SAMPLE = 48;
/** Shingles collected per output before the even spread is taken (outputs are a few KB at most). */
const COLLECT = 1024;
const MASK = BLOOM_WORDS * 32 - 1;

/** JSON-serialisable; `cur` and `prev` always hold BLOOM_WORDS unsigned 32-bit numbers. */
export interface NoveltyMemory {
  cur: number[];
  prev: number[];
  /** Outputs added to `cur`. */
  n: number;
}

export function newNoveltyMemory(): NoveltyMemory {
  return { cur: new Array<number>(BLOOM_WORDS).fill(0), prev: new Array<number>(BLOOM_WORDS).fill(0), n: 0 };
}

function has(bits: readonly number[], i: number): boolean {
  return (((bits[i >>> 5] ?? 0) >>> (i & 31)) & 1) === 1;
}

function set(bits: number[], i: number): void {
  bits[i >>> 5] = ((bits[i >>> 5] ?? 0) | (1 << (i & 31))) >>> 0;
}

/** Collects an output's shingle hashes as it is sketched (a reusable buffer: `reset()` before use). */
export class ShingleSample {
  private readonly hashes = new Int32Array(COLLECT);
  private n = 0;
  readonly collect = (hash: number): void => {
    if (this.n < COLLECT) this.hashes[this.n++] = hash;
  };

  reset(): this {
    this.n = 0;
    return this;
  }

  get length(): number {
    return this.n;
  }

  at(i: number): number {
    return this.hashes[i]!;
  }
}

/** Shingle hashes in order: a live `ShingleSample`, or the plain array kept of it (`sampleOf`). */
export interface SampleView {
  readonly length: number;
  at(i: number): number | undefined;
}

/**
 * The hashes `measureNovelty` reads of a sample (at most SAMPLE, spread evenly), as a plain array:
 * measuring this array gives the same result as measuring the sample, so it can be kept (replay).
 */
export function sampleOf(sample: SampleView): number[] {
  const total = sample.length;
  const n = Math.min(total, SAMPLE);
  const step = total / n;
  const out = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = sample.at(Math.floor(k * step)) ?? 0;
  return out;
}

/**
 * The novelty (0..1) of a sample against the memory, and the memory with the sample added.
 * An empty sample has novelty 0: an empty answer brings nothing.
 */
export function measureNovelty(memory: NoveltyMemory, sample: SampleView): { novelty: number; memory: NoveltyMemory } {
  if (sample.length === 0) return { novelty: 0, memory };
  const next: NoveltyMemory = { cur: memory.cur.slice(), prev: memory.prev.slice(), n: memory.n };
  return { novelty: measureNoveltyInPlace(next, sample), memory: next };
}

/**
 * measureNovelty changing `memory` IN PLACE (the live path: no new arrays per call; on rotation the
 * oldest generation's array is cleared and reused). Returns the novelty.
 */
export function measureNoveltyInPlace(memory: NoveltyMemory, sample: SampleView): number {
  // A kept sample (replay) is read by index: Array.prototype.at per hash cost replay more than the rest of the measure.
  if (Array.isArray(sample)) return measureArrayInPlace(memory, sample as readonly number[]);
  const total = sample.length;
  if (total === 0) return 0;
  const n = Math.min(total, SAMPLE);
  const step = total / n;
  let fresh = 0;
  for (let k = 0; k < n; k++) {
    const h = sample.at(Math.floor(k * step)) ?? 0;
    const a = h & MASK;
    const b = (h >>> 12) & MASK;
    const seen = (has(memory.cur, a) && has(memory.cur, b)) || (has(memory.prev, a) && has(memory.prev, b));
    if (!seen) fresh++;
  }
  rotate(memory);
  const cur = memory.cur;
  for (let k = 0; k < n; k++) {
    const h = sample.at(Math.floor(k * step)) ?? 0;
    set(cur, h & MASK);
    set(cur, (h >>> 12) & MASK);
  }
  return fresh / n;
}

/**
 * measureNoveltyInPlace on a plain array: the same reads, by index, with the generations read through
 * locals (a word past the end reads as 0, as `?? 0` does: `undefined >>> n` and `undefined | b` are 0 and b).
 */
function measureArrayInPlace(memory: NoveltyMemory, sample: readonly number[]): number {
  const total = sample.length;
  if (total === 0) return 0;
  const n = Math.min(total, SAMPLE);
  const step = total / n;
  let cur = memory.cur;
  const prev = memory.prev;
  let fresh = 0;
  for (let k = 0; k < n; k++) {
    const h = sample[Math.floor(k * step)] ?? 0;
    const a = h & MASK;
    const b = (h >>> 12) & MASK;
    const seen = ((cur[a >>> 5]! >>> (a & 31)) & (cur[b >>> 5]! >>> (b & 31)) & 1) === 1 || ((prev[a >>> 5]! >>> (a & 31)) & (prev[b >>> 5]! >>> (b & 31)) & 1) === 1;
    if (!seen) fresh++;
  }
  rotate(memory);
  cur = memory.cur;
  for (let k = 0; k < n; k++) {
    const h = sample[Math.floor(k * step)] ?? 0;
    const a = h & MASK;
    const b = (h >>> 12) & MASK;
    cur[a >>> 5] = (cur[a >>> 5]! | (1 << (a & 31))) >>> 0;
    cur[b >>> 5] = (cur[b >>> 5]! | (1 << (b & 31))) >>> 0;
  }
  return fresh / n;
}

/** A new output: a generation turns over every ROTATE_EVERY outputs (the oldest array cleared and reused). */
function rotate(memory: NoveltyMemory): void {
  if (memory.n >= ROTATE_EVERY) {
    const oldest = memory.prev;
    oldest.fill(0);
    memory.prev = memory.cur;
    memory.cur = oldest;
    memory.n = 1;
  } else {
    memory.n++;
  }
}
