/**
 * A 64-bit SimHash over word bigrams (shingles) of normalised text, kept as two 32-bit halves so a
 * sketch is a plain JSON value `[hi, lo]`. Near-duplicate texts get sketches a few bits apart;
 * unrelated texts differ in about 32 bits. Bit counts are accumulated in bit-sliced (vertical)
 * counters: adding a shingle costs a handful of word operations instead of 64 increments, which keeps
 * a 32 KB text within tens of microseconds.
 */
import { forEachWordHash } from './text.js';

/** [high 32 bits, low 32 bits], both unsigned. */
export type Sketch = [number, number];

export const EMPTY_SKETCH: Readonly<Sketch> = [0, 0];

/** Counter planes: enough for 2^17 - 1 shingles; texts are capped well below that. */
const PLANES = 17;
const MAX_SHINGLES = (1 << PLANES) - 1;

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The two 32-bit halves of a shingle's 64-bit hash, from the hashes of its two words. */
export function shingleHi(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}
export function shingleLo(a: number, b: number): number {
  return fmix32((Math.imul(b, 0x85ebca77) + a) ^ 0x27d4eb2f);
}

/** A bounded text segment: its first `head` and last `tail` characters (the middle of huge blobs is skipped). */
export interface SegmentLimits {
  head: number;
  tail: number;
}

/**
 * Builds one sketch from several text segments (messages). Shingles do not span segments; a segment
 * of a single word counts that word. Optionally reports each shingle (for novelty) to `onShingle`.
 * One instance is reused per call site: `reset()` before, `sketch()` after.
 */
export class SimHasher {
  private readonly hiPlanes = new Int32Array(PLANES);
  private readonly loPlanes = new Int32Array(PLANES);
  private shingles = 0;
  private words = 0;
  private prev = 0;
  private segmentWords = 0;
  private onShingle: ((hi: number, lo: number) => void) | null = null;
  private readonly onWord = (w: number): void => {
    this.words++;
    if (this.segmentWords++ > 0) this.addShingle(shingleHi(this.prev, w), shingleLo(this.prev, w));
    this.prev = w;
  };

  reset(onShingle: ((hi: number, lo: number) => void) | null = null): this {
    this.hiPlanes.fill(0);
    this.loPlanes.fill(0);
    this.shingles = 0;
    this.words = 0;
    this.segmentWords = 0;
    this.onShingle = onShingle;
    return this;
  }

  /** Adds one segment, reading at most `limits.head + limits.tail` of its characters. */
  add(text: string, limits?: SegmentLimits): void {
    this.segmentWords = 0;
    if (limits === undefined || text.length <= limits.head + limits.tail) {
      forEachWordHash(text, this.onWord);
    } else {
      forEachWordHash(text, this.onWord, limits.head);
      this.segmentWords = 0;
      forEachWordHash(text.slice(text.length - limits.tail), this.onWord);
    }
    if (this.segmentWords === 1) this.addShingle(shingleHi(this.prev, this.prev), shingleLo(this.prev, 0));
  }

  get wordCount(): number {
    return this.words;
  }

  /** The sketch of everything added since reset; [0, 0] when nothing was. */
  sketch(): Sketch {
    const n = this.shingles;
    if (n === 0) return [0, 0];
    const half = n / 2;
    let hi = 0;
    let lo = 0;
    for (let bit = 0; bit < 32; bit++) {
      let ch = 0;
      let cl = 0;
      for (let j = 0; j < PLANES; j++) {
        ch += ((this.hiPlanes[j]! >>> bit) & 1) << j;
        cl += ((this.loPlanes[j]! >>> bit) & 1) << j;
      }
      if (ch > half) hi |= 1 << bit;
      if (cl > half) lo |= 1 << bit;
    }
    return [hi >>> 0, lo >>> 0];
  }

  private addShingle(hi: number, lo: number): void {
    if (this.shingles >= MAX_SHINGLES) return;
    this.shingles++;
    addVertical(this.hiPlanes, hi);
    addVertical(this.loPlanes, lo);
    if (this.onShingle !== null) this.onShingle(hi, lo);
  }
}

/** Adds one bit to each of 32 bit-sliced counters (ripple carry across the planes). */
function addVertical(planes: Int32Array, x: number): void {
  let carry = x | 0;
  for (let j = 0; carry !== 0 && j < PLANES; j++) {
    const p = planes[j]!;
    planes[j] = p ^ carry;
    carry = p & carry;
  }
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits that differ between two sketches, 0..64. */
export function hammingDistance(a: Readonly<Sketch>, b: Readonly<Sketch>): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

/** 1 - distance / 64: 1 for identical sketches, about 0.5 for unrelated texts. */
export function sketchSimilarity(a: Readonly<Sketch>, b: Readonly<Sketch>): number {
  return 1 - hammingDistance(a, b) / 64;
}

const shared = new SimHasher();

/** The sketch of one text (convenience; the guard's hot path reuses a hasher over several segments). */
export function sketchText(text: string): Sketch {
  shared.reset().add(text);
  return shared.sketch();
}
