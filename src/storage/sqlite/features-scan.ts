/**
 * The `features` column read without JSON.parse, for the SQLite worker's packing (call-batch.ts): the
 * text JSON.stringify writes for a CallFeatures (storage/types.ts), its keys in their fixed order and no
 * whitespace, scanned left to right into the page's number array, with no object built per row. A
 * million rows' features parsed into objects, checked and copied cost the worker about 3 us a row.
 * Anything else (another shape, escapes the scan does not take, a malformed value) is left to the
 * caller's JSON.parse path, so a value reads the same either way: numbers are read as JSON.parse reads
 * them (exact integers, and Number() of the literal otherwise, both the correctly rounded double).
 * The scan reads the text's UTF-8 bytes, copied at once into a reused buffer, not the string code by
 * code: charCodeAt costs a check of the string's representation each time, and reading the bytes made
 * the scan of a 600-byte row ~2.5 times cheaper (measured in process). Texts that are not all ASCII are
 * left to JSON.parse (their bytes are not their characters).
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
const ENCODER = new TextEncoder();
/** The literals the scan compares, as bytes. */
const L = {
  AFFIRMATION: ENCODER.encode(',"affirmation":'),
  BYTES: ENCODER.encode('{"bytes":'),
  CHOICES: ENCODER.encode(',"choices":'),
  CLOSE: ENCODER.encode('}'),
  CLOSE_LIST: ENCODER.encode(']'),
  COMMA_LIT: ENCODER.encode(','),
  FALSE: ENCODER.encode('false'),
  FRESH: ENCODER.encode(',"fresh":'),
  IMAGES: ENCODER.encode(',"images":'),
  NO_CACHE: ENCODER.encode(',"noCache":'),
  NULL: ENCODER.encode('null'),
  OUTPUT: ENCODER.encode(',"output":'),
  OUTPUT_BOUND: ENCODER.encode(',"outputBound":'),
  PROMPT_BOUND: ENCODER.encode(',"promptBound":'),
  REQUEST: ENCODER.encode(',"request":'),
  ROUTE_HEADER: ENCODER.encode(',"routeHeader":'),
  SAMPLE: ENCODER.encode(',"sample":['),
  SKETCH: ENCODER.encode('{"sketch":['),
  TOOLS: ENCODER.encode(',"tools":'),
  TOOL_KEY: ENCODER.encode(',"toolKey":'),
  TOOL_NAMES: ENCODER.encode(',"toolNames":'),
  TRUE: ENCODER.encode('true'),
  UNLIMITED: ENCODER.encode(',"unlimited":'),
  UPSTREAM_STATUS: ENCODER.encode(',"upstreamStatus":'),
  WORDS: ENCODER.encode(',"words":'),
};

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
  /** The text's bytes (all ASCII: one a character), then a 0 that matches nothing the scan looks for. */
  private b = new Uint8Array(4_096);
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
    if (!this.copy(text)) return false;
    this.t = text;
    this.i = 0;
    this.ok = true;
    nums[at + s.bytes] = this.field(L.BYTES);
    nums[at + s.promptBound] = this.nullableNumber(L.PROMPT_BOUND);
    nums[at + s.outputBound] = this.nullableNumber(L.OUTPUT_BOUND);
    nums[at + s.choices] = this.field(L.CHOICES);
    nums[at + s.tools] = this.bool(L.TOOLS);
    nums[at + s.images] = this.bool(L.IMAGES);
    this.routeHeader = this.str(L.ROUTE_HEADER);
    nums[at + s.noCache] = this.bool(L.NO_CACHE);
    nums[at + s.unlimited] = this.bool(L.UNLIMITED);
    nums[at + s.upstreamStatus] = this.nullableNumber(L.UPSTREAM_STATUS);
    if (!this.ok || !this.lit(L.REQUEST)) return false;
    if (this.lit(L.NULL)) nums[at + s.request] = 0;
    else {
      this.digest(nums, at + s.request, L.SKETCH, L.WORDS, L.FRESH);
      if (!this.lit(L.CLOSE)) return false;
    }
    this.toolKey = this.toolNames = null;
    if (!this.ok || !this.lit(L.OUTPUT)) return false;
    if (this.lit(L.NULL)) nums[at + s.output] = 0;
    else {
      this.digest(nums, at + s.output, L.SKETCH, L.WORDS, null);
      if (!this.ok || !this.lit(L.SAMPLE)) return false;
      nums[at + s.sampleAt] = samples.length;
      if (!this.sampleList(samples)) return false;
      nums[at + s.sampleLength] = samples.length - nums[at + s.sampleAt]!;
      nums[at + s.output + 4] = this.bool(L.AFFIRMATION);
      this.toolKey = this.str(L.TOOL_KEY);
      this.toolNames = this.str(L.TOOL_NAMES);
      if (!this.lit(L.CLOSE)) return false;
    }
    return this.ok && this.lit(L.CLOSE) && this.i === text.length;
  }

  /** The text's bytes into `b`; false when it is not all ASCII. */
  private copy(text: string): boolean {
    if (this.b.length <= text.length) this.b = new Uint8Array(2 * text.length + 1);
    const { read, written } = ENCODER.encodeInto(text, this.b);
    if (read !== text.length || written !== text.length) return false;
    this.b[written] = 0;
    return true;
  }

  /** A digest's present flag, sketch, words and (for the request) fresh, as call-batch.ts packDigest lays them out. */
  private digest(nums: Float64Array, i: number, open: Uint8Array, words: Uint8Array, fresh: Uint8Array | null): void {
    if (!this.lit(open)) {
      this.ok = false;
      return;
    }
    nums[i] = 1;
    nums[i + 1] = this.number();
    if (!this.lit(L.COMMA_LIT)) this.ok = false;
    nums[i + 2] = this.number();
    if (!this.lit(L.CLOSE_LIST)) this.ok = false;
    nums[i + 3] = this.field(words);
    if (fresh !== null) nums[i + 4] = this.bool(fresh);
  }

  /**
   * The sample's numbers and its closing `]` (most of a row's text): its integers (of up to 15 digits,
   * as number() reads them) read in one loop, any other number left to number().
   */
  private sampleList(samples: SampleBuffer): boolean {
    const b = this.b;
    let j = this.i;
    let c = b[j]!;
    if (c === CLOSE_BRACKET) {
      this.i = j + 1;
      return true;
    }
    for (;;) {
      const from = j;
      const negative = c === MINUS;
      if (negative) c = b[++j]!;
      const digitsFrom = j;
      let v = 0;
      while (c >= ZERO && c <= NINE) {
        v = v * 10 + (c - ZERO);
        c = b[++j]!;
      }
      const digits = j - digitsFrom;
      if ((c === COMMA || c === CLOSE_BRACKET) && digits > 0 && digits <= 15 && (digits === 1 || b[digitsFrom]! !== ZERO)) samples.push(negative ? -v : v);
      else {
        this.i = from;
        samples.push(this.number());
        if (!this.ok) return false;
        j = this.i;
        c = b[j]!;
      }
      if (c === CLOSE_BRACKET) {
        this.i = j + 1;
        return true;
      }
      if (c !== COMMA) return false;
      c = b[++j]!;
    }
  }

  private lit(s: Uint8Array): boolean {
    // Compared byte by byte: startsWith (a builtin call for each of a row's ~25 literals) cost more than the numbers' digits.
    const b = this.b;
    const i = this.i;
    const n = s.length;
    for (let k = 0; k < n; k++) if (b[i + k] !== s[k]) return false;
    this.i = i + n;
    return true;
  }

  private field(key: Uint8Array): number {
    if (!this.lit(key)) this.ok = false;
    return this.number();
  }

  private nullableNumber(key: Uint8Array): number {
    if (!this.lit(key)) this.ok = false;
    return this.lit(L.NULL) ? NaN : this.number();
  }

  private bool(key: Uint8Array): number {
    if (!this.lit(key)) this.ok = false;
    if (this.lit(L.TRUE)) return 1;
    if (!this.lit(L.FALSE)) this.ok = false;
    return 0;
  }

  private str(key: Uint8Array): string | null {
    if (!this.lit(key)) this.ok = false;
    if (this.lit(L.NULL)) return null;
    const b = this.b;
    if (b[this.i]! !== QUOTE) {
      this.ok = false;
      return null;
    }
    const from = this.i + 1;
    let j = from;
    for (;;) {
      const c = b[j]!;
      if (c === QUOTE) break;
      // Escapes and control characters (or the 0 after the text): JSON.parse's reading, not ours.
      if (c === BACKSLASH || c < 0x20) {
        this.ok = false;
        return null;
      }
      j++;
    }
    this.i = j + 1;
    return this.t.slice(from, j);
  }

  /** A JSON number: integers of up to 15 digits summed exactly, anything longer or with a fraction or exponent by Number(). */
  private number(): number {
    const b = this.b;
    const from = this.i;
    let j = from;
    const negative = b[j]! === MINUS;
    if (negative) j++;
    const digitsFrom = j;
    let v = 0;
    let c = b[j]!;
    while (c >= ZERO && c <= NINE) {
      v = v * 10 + (c - ZERO);
      c = b[++j]!;
    }
    const digits = j - digitsFrom;
    // JSON has no leading zeros and no bare sign.
    if (digits === 0 || (digits > 1 && b[digitsFrom]! === ZERO)) {
      this.ok = false;
      return NaN;
    }
    if (c === COMMA || c === CLOSE_BRACKET || c === 0x7d) {
      this.i = j;
      if (digits <= 15) return negative ? -v : v;
      return Number(this.t.slice(from, j));
    }
    // A fraction or an exponent: the literal's own double, as JSON.parse reads it.
    const end = numberEnd(b, j);
    if (end < 0) {
      this.ok = false;
      return NaN;
    }
    this.i = end;
    return Number(this.t.slice(from, end));
  }
}

/** The end of a JSON number's fraction and exponent from `j` (just after its integer digits); -1 if malformed. */
function numberEnd(b: Uint8Array, j: number): number {
  let c = b[j]!;
  if (c === 0x2e) {
    const from = ++j;
    c = b[j]!;
    while (c >= ZERO && c <= NINE) c = b[++j]!;
    if (j === from) return -1;
  }
  if (c === 0x65 || c === 0x45) {
    c = b[++j]!;
    if (c === 0x2b || c === MINUS) c = b[++j]!;
    const from = j;
    while (c >= ZERO && c <= NINE) c = b[++j]!;
    if (j === from) return -1;
  }
  return c === COMMA || c === CLOSE_BRACKET || c === 0x7d ? j : -1;
}
