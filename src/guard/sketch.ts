/**
 * A 64-bit similarity sketch of normalised text: one-permutation b-bit MinHash over word bigrams
 * (shingles). Each shingle hash goes to one of 64 bins by its top 6 bits and the bin keeps its
 * smallest value; the sketch is the lowest bit of each bin's minimum (empty bins borrow from the next
 * filled bin). Two texts agree on a bit with probability (1 + J) / 2, J being the Jaccard similarity
 * of their shingle sets: identical texts agree on all 64 bits, unrelated texts on about 32.
 * Per shingle this is one hash and one compare, which matters on the hot path; a sketch is a plain
 * JSON value `[hi, lo]`.
 */
import { readWordHashes } from './text.js';

/** [high 32 bits, low 32 bits], both unsigned. */
export type Sketch = [number, number];

const BINS = 64;
/** Words read per sketch at most (the callers also bound the characters read). */
const MAX_WORDS = 16_384;
const VALUE_MASK = 0x03ffffff;

function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The 32-bit hash of the shingle (a, b) of two word hashes. */
export function shingleHash(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/** A bounded text segment: its first `head` and last `tail` characters (the middle of huge blobs is skipped). */
export interface SegmentLimits {
  head: number;
  tail: number;
}

/**
 * Builds one sketch from several text segments (messages). Shingles do not span segments; a segment
 * of a single word counts that word. `add` can also report each shingle hash of its segment to a
 * collector (novelty). Reusable: `reset()` before, `sketch()` after.
 */
export class Sketcher {
  private readonly words = new Int32Array(MAX_WORDS);
  private readonly mins = new Int32Array(BINS);
  private shingles = 0;
  private wordTotal = 0;

  reset(): this {
    this.mins.fill(-1);
    this.shingles = 0;
    this.wordTotal = 0;
    return this;
  }

  /** Adds one segment, reading at most `limits.head + limits.tail` of its characters. */
  add(text: string, limits?: SegmentLimits, collect?: (hash: number) => void): void {
    if (MAX_WORDS - this.wordTotal <= 0) return;
    const buf = this.words;
    let n: number;
    if (limits === undefined || text.length <= limits.head + limits.tail) {
      n = readWordHashes(text, 0, text.length, buf);
    } else {
      n = readWordHashes(text, 0, limits.head, buf);
      n = readWordHashes(text, text.length - limits.tail, text.length, buf, n);
    }
    this.shingle(n, collect);
  }

  /** Adds `text[from, to)` as one segment (a clause read in place, no substring). */
  addRange(text: string, from: number, to: number, collect?: (hash: number) => void): void {
    if (MAX_WORDS - this.wordTotal <= 0) return;
    this.shingle(readWordHashes(text, from, to, this.words), collect);
  }

  /** Shingles the first `count` word hashes of the buffer (one segment). */
  private shingle(count: number, collect?: (hash: number) => void): void {
    const buf = this.words;
    const n = Math.min(count, MAX_WORDS - this.wordTotal);
    this.wordTotal += n;
    const mins = this.mins;
    // A one-word segment is its own shingle.
    for (let i = n === 1 ? 0 : 1; i < n; i++) {
      const h = n === 1 ? shingleHash(buf[0]!, 0x5bd1e995) : shingleHash(buf[i - 1]!, buf[i]!);
      const bin = h >>> 26;
      const value = h & VALUE_MASK;
      const current = mins[bin]!;
      if (current < 0 || value < current) mins[bin] = value;
      if (collect !== undefined) collect(h);
      this.shingles++;
    }
  }

  get wordCount(): number {
    return this.wordTotal;
  }

  /** The sketch of everything added since reset; [0, 0] when nothing was. */
  sketch(): Sketch {
    if (this.shingles === 0) return [0, 0];
    let hi = 0;
    let lo = 0;
    for (let bin = 0; bin < BINS; bin++) {
      let bit: number;
      const own = this.mins[bin]!;
      if (own >= 0) bit = own & 1;
      else {
        // Empty bin: borrow the next filled bin's minimum, mixed with this bin's index.
        let j = (bin + 1) % BINS;
        while (this.mins[j]! < 0) j = (j + 1) % BINS;
        bit = fmix32(this.mins[j]! ^ Math.imul(bin + 1, 0x27d4eb2f)) & 1;
      }
      if (bin < 32) hi |= bit << bin;
      else lo |= bit << (bin - 32);
    }
    return [hi >>> 0, lo >>> 0];
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

const shared = new Sketcher();

/** The sketch of one text (convenience; the guard's hot path reuses a sketcher over several segments). */
export function sketchText(text: string): Sketch {
  shared.reset().add(text);
  return shared.sketch();
}
