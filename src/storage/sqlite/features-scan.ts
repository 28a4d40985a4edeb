/**
 * The `features` column read without JSON.parse, for the SQLite worker's packing (call-batch.ts): the
 * text JSON.stringify writes for a CallFeatures (storage/types.ts), its keys in their fixed order and no
 * whitespace, scanned left to right into the page's number array, with no object built per row. A
 * million rows' features parsed into objects, checked and copied cost the worker about 3 us a row.
 * Anything else (another shape, escapes the scan does not take, a malformed value) is left to the
 * caller's JSON.parse path, so a value reads the same either way: numbers are read as JSON.parse reads
 * them (exact integers, and Number() of the literal otherwise, both the correctly rounded double).
 */

/** Where the scanned values go in a row's number slots (call-batch.ts's Feat layout, from its start). */
export interface FeatureSlots {
  bytes: number;
  promptBound: number;
  outputBound: number;
  choices: number;
  tools: number;
  images: number;
  noCache: number;
  unlimited: number;
  upstreamStatus: number;
  request: number;
  output: number;
  sampleAt: number;
  sampleLength: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/**
 * The output digests' shingle samples of a page, as doubles straight into a typed array: pushed onto
 * a plain array, each sample (a 32-bit hash, mostly outside the small-integer range) made the worker
 * grow and copy a boxed or double array and then copy it again into the page's Float64Array; this way
 * the scan of a row costs about a third less (1.9 against 3.3 us a row, 600-byte features, measured in process).
 */
export class SampleBuffer {
  private buf: Float64Array;
  /** Samples held; setting it lower drops the ones after (a row whose scan failed). */
  length = 0;

  constructor(capacity = 4_096) {
    this.buf = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = v;
  }

  /** The samples held, as their own array on its own buffer (the worker hands that buffer over to the gateway thread). */
  values(): Float64Array {
    // set() from a typed array of the same type is one copy; slice() was several times slower here.
    const out = new Float64Array(this.length);
    out.set(this.buf.subarray(0, this.length));
    return out;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
}

/** One scan at a time (the worker's packing is synchronous): the strings of the last successful scan. */
export class FeatureScanner {
  routeHeader: string | null = null;
  toolKey: string | null = null;
  toolNames: string | null = null;
  private t = '';
  private i = 0;
  private ok = true;

  constructor(private readonly slot: FeatureSlots) {}

  /**
   * Scans `text` into `nums` from `at` (slot offsets as given) and the output's sample onto `samples`.
   * False when the text is not exactly what the scan takes: `nums` and `samples` may then hold part of
   * it, and the caller packs the row its other way (`samples` back to its length before the call).
   */
  scan(text: string, nums: Float64Array, at: number, samples: SampleBuffer): boolean {
    const s = this.slot;
    this.t = text;
    this.i = 0;
    this.ok = true;
    nums[at + s.bytes] = this.field('{"bytes":');
    nums[at + s.promptBound] = this.nullableNumber(',"promptBound":');
    nums[at + s.outputBound] = this.nullableNumber(',"outputBound":');
    nums[at + s.choices] = this.field(',"choices":');
    nums[at + s.tools] = this.bool(',"tools":');
    nums[at + s.images] = this.bool(',"images":');
    this.routeHeader = this.str(',"routeHeader":');
    nums[at + s.noCache] = this.bool(',"noCache":');
    nums[at + s.unlimited] = this.bool(',"unlimited":');
    nums[at + s.upstreamStatus] = this.nullableNumber(',"upstreamStatus":');
    if (!this.ok || !this.lit(',"request":')) return false;
    if (this.lit('null')) nums[at + s.request] = 0;
    else {
      this.digest(nums, at + s.request, '{"sketch":[', ',"words":', ',"fresh":');
      if (!this.lit('}')) return false;
    }
    this.toolKey = this.toolNames = null;
    if (!this.ok || !this.lit(',"output":')) return false;
    if (this.lit('null')) nums[at + s.output] = 0;
    else {
      this.digest(nums, at + s.output, '{"sketch":[', ',"words":', null);
      if (!this.ok || !this.lit(',"sample":[')) return false;
      nums[at + s.sampleAt] = samples.length;
      if (!this.lit(']')) {
        do samples.push(this.number());
        while (this.ok && this.lit(','));
        if (!this.lit(']')) return false;
      }
      nums[at + s.sampleLength] = samples.length - nums[at + s.sampleAt]!;
      nums[at + s.output + 4] = this.bool(',"affirmation":');
      this.toolKey = this.str(',"toolKey":');
      this.toolNames = this.str(',"toolNames":');
      if (!this.lit('}')) return false;
    }
    return this.ok && this.lit('}') && this.i === text.length;
  }

  /** A digest's present flag, sketch, words and (for the request) fresh, as call-batch.ts packDigest lays them out. */
  private digest(nums: Float64Array, i: number, open: string, words: string, fresh: string | null): void {
    if (!this.lit(open)) {
      this.ok = false;
      return;
    }
    nums[i] = 1;
    nums[i + 1] = this.number();
    if (!this.lit(',')) this.ok = false;
    nums[i + 2] = this.number();
    if (!this.lit(']')) this.ok = false;
    nums[i + 3] = this.field(words);
    if (fresh !== null) nums[i + 4] = this.bool(fresh);
  }

  private lit(s: string): boolean {
    // Compared code by code: startsWith (a builtin call for each of a row's ~25 literals) cost more than the numbers' digits.
    const t = this.t;
    const i = this.i;
    const n = s.length;
    for (let k = 0; k < n; k++) if (t.charCodeAt(i + k) !== s.charCodeAt(k)) return false;
    this.i = i + n;
    return true;
  }

  private field(key: string): number {
    if (!this.lit(key)) this.ok = false;
    return this.number();
  }

  private nullableNumber(key: string): number {
    if (!this.lit(key)) this.ok = false;
    return this.lit('null') ? NaN : this.number();
  }

  private bool(key: string): number {
    if (!this.lit(key)) this.ok = false;
    if (this.lit('true')) return 1;
    if (!this.lit('false')) this.ok = false;
    return 0;
  }

  private str(key: string): string | null {
    if (!this.lit(key)) this.ok = false;
    if (this.lit('null')) return null;
    const t = this.t;
    if (t.charCodeAt(this.i) !== QUOTE) {
      this.ok = false;
      return null;
    }
    const from = this.i + 1;
    let j = from;
    for (;;) {
      const c = t.charCodeAt(j);
      if (c === QUOTE) break;
      // Escapes and control characters (or the end of the text): JSON.parse's reading, not ours.
      if (c === BACKSLASH || c < 0x20 || Number.isNaN(c)) {
        this.ok = false;
        return null;
      }
      j++;
    }
    this.i = j + 1;
    return t.slice(from, j);
  }

  /** A JSON number: integers of up to 15 digits summed exactly, anything longer or with a fraction or exponent by Number(). */
  private number(): number {
    const t = this.t;
    const from = this.i;
    let j = from;
    const negative = t.charCodeAt(j) === MINUS;
    if (negative) j++;
    const digitsFrom = j;
    let v = 0;
    let c = t.charCodeAt(j);
    while (c >= ZERO && c <= NINE) {
      v = v * 10 + (c - ZERO);
      c = t.charCodeAt(++j);
    }
    const digits = j - digitsFrom;
    // JSON has no leading zeros and no bare sign.
    if (digits === 0 || (digits > 1 && t.charCodeAt(digitsFrom) === ZERO)) {
      this.ok = false;
      return NaN;
    }
    if (c === COMMA || c === CLOSE_BRACKET || c === 0x7d) {
      this.i = j;
      if (digits <= 15) return negative ? -v : v;
      return Number(t.slice(from, j));
    }
    // A fraction or an exponent: the literal's own double, as JSON.parse reads it.
    const end = numberEnd(t, j);
    if (end < 0) {
      this.ok = false;
      return NaN;
    }
    this.i = end;
    return Number(t.slice(from, end));
  }
}

/** The end of a JSON number's fraction and exponent from `j` (just after its integer digits); -1 if malformed. */
function numberEnd(t: string, j: number): number {
  let c = t.charCodeAt(j);
  if (c === 0x2e) {
    const from = ++j;
    c = t.charCodeAt(j);
    while (c >= ZERO && c <= NINE) c = t.charCodeAt(++j);
    if (j === from) return -1;
  }
  if (c === 0x65 || c === 0x45) {
    c = t.charCodeAt(++j);
    if (c === 0x2b || c === MINUS) c = t.charCodeAt(++j);
    const from = j;
    while (c >= ZERO && c <= NINE) c = t.charCodeAt(++j);
    if (j === from) return -1;
  }
  return c === COMMA || c === CLOSE_BRACKET || c === 0x7d ? j : -1;
}
