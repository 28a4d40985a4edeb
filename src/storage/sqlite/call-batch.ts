/**
 * A page of ledger rows packed for the hand-off from the SQLite worker to the gateway thread: numbers
 * in one Float64Array, strings as codes into the page's own dictionary (a team, key or model name is
 * sent once a page, and the rows read back share one string), and the `features` column parsed on the
 * worker's side into numbers (its digests' shingle samples in a second array). Cloning two typed
 * arrays and a short string list costs the receiving thread far less than cloning value arrays and
 * parsing each row's features JSON there (replay reads a million rows this way).
 * Imported by both sides of the hand-off; it must not import better-sqlite3.
 */
import type { CallFeatures, CallPage, CallRow } from '../types.js';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';
import { FeatureScanner, SampleBuffer } from './features-scan.js';
import { joinNumbersSql, joinTextsSql, quoteTextsSql, readJoinedNumbers, readJoinedTexts, TEXT_SEPARATOR } from './joined-columns.js';

export interface CallBatch {
  n: number;
  /** NUMS numbers a row (null as NaN). */
  nums: Float64Array;
  /** STRS codes a row into `dict` (null as -1). */
  codes: Int32Array;
  dict: string[];
  /** The output digests' shingle samples, each at its row's offset. */
  samples: Float64Array;
}

/** CALL_COLUMNS positions of the text columns, in their slot order (slot 19: the service tier). */
const TEXT = [0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 25, 27, 28, 29, 30, 33, 36] as const;
/** CALL_COLUMNS positions of the number columns, in their slot order (slot 15: the web searches). */
const NUMBER = [1, 2, 3, 13, 17, 18, 19, 20, 21, 22, 23, 24, 26, 31, 32, 35] as const;
/** CALL_COLUMNS position of the features JSON. */
const FEATURES = 34;

/**
 * Where a scan's value arrays hold each column: its position in the row, -1 for a column the scan did
 * not select (read as NULL is: a number column as 0, the first byte and the features as null), or
 * JOINED for one in the row's joined numbers or texts (joined-columns.ts). Per TEXT and NUMBER slot,
 * and the features.
 */
export interface RowLayout {
  text: readonly number[];
  number: readonly number[];
  features: number;
  /**
   * The joined values' positions in the row and the slots each holds, in order, and the SELECT list of
   * the joined texts' exact form (for a row whose texts do not split: joined-columns.ts); null when
   * nothing is joined.
   */
  joined: { numbersAt: number; numbers: readonly number[]; textsAt: number; texts: readonly number[]; exactTextsSql: string } | null;
}

const JOINED = -2;

/** The layout of rows selecting `columns` (CALL_COLUMNS names, in any order), each as its own value. */
export function rowLayout(columns: readonly string[]): RowLayout {
  const at = (c: number): number => columns.indexOf(CALL_COLUMNS[c]!);
  return { text: TEXT.map(at), number: NUMBER.map(at), features: at(FEATURES), joined: null };
}

/** TEXT slots read value by value, as their values rarely repeat within a page: id, run, parent, upstream request id, attempt of, fingerprint. */
const SEPARATE_TEXT: ReadonlySet<number> = new Set([0, 5, 7, 15, 16, 18]);

/**
 * The SELECT list reading `columns` (CALL_COLUMNS names) with the number columns joined into one value
 * and the text columns whose values repeat into another, and its layout (joined-columns.ts says why).
 */
export function joinedScan(columns: readonly string[]): { sql: string; layout: RowLayout } {
  const has = (c: number): boolean => columns.includes(CALL_COLUMNS[c]!);
  const name = (c: number): string => CALL_COLUMNS[c]!;
  const numbers = NUMBER.flatMap((c, k) => (has(c) ? [k] : []));
  const texts = TEXT.flatMap((c, k) => (has(c) && !SEPARATE_TEXT.has(k) ? [k] : []));
  const own = [...TEXT.filter((c, k) => has(c) && SEPARATE_TEXT.has(k)), ...(has(FEATURES) ? [FEATURES] : [])].map(name);
  const joinedNumbers = numbers.length ? joinNumbersSql(numbers.map((k) => name(NUMBER[k]!))) : "''";
  const joinedTexts = texts.length ? joinTextsSql(texts.map((k) => name(TEXT[k]!))) : "''";
  const at = (c: number): number => own.indexOf(name(c));
  return {
    sql: [...own, joinedNumbers, joinedTexts].join(', '),
    layout: {
      text: TEXT.map((c, k) => (texts.includes(k) ? JOINED : at(c))),
      number: NUMBER.map((_, k) => (numbers.includes(k) ? JOINED : -1)),
      features: at(FEATURES),
      joined: { numbersAt: own.length, numbers, textsAt: own.length + 1, texts, exactTextsSql: texts.length ? quoteTextsSql(texts.map((k) => name(TEXT[k]!))) : "''" },
    },
  };
}

/** Rows of every column in CALL_COLUMNS order. */
const ALL_COLUMNS = rowLayout(CALL_COLUMNS);

/** String slots after the text columns: the route header, the output's tool key and names, and a features JSON kept as text. */
const S_ROUTE = TEXT.length;
const S_TOOL_KEY = S_ROUTE + 1;
const S_TOOL_NAMES = S_ROUTE + 2;
const S_RAW = S_ROUTE + 3;
const STRS = S_ROUTE + 4;

/** Number slots after the number columns: the features. */
const F = NUMBER.length;
const enum Feat {
  /** 0: no features, 1: packed, 2: kept as JSON text (a shape this packing does not know). */
  Kind,
  Bytes,
  PromptBound,
  OutputBound,
  Choices,
  Tools,
  Images,
  NoCache,
  Unlimited,
  UpstreamStatus,
  Request,
  ReqSketch0,
  ReqSketch1,
  ReqWords,
  ReqFresh,
  Output,
  OutSketch0,
  OutSketch1,
  OutWords,
  OutAffirmation,
  SampleAt,
  SampleLength,
  Count,
}
const NUMS = F + Feat.Count;

const scanner = new FeatureScanner({
  bytes: Feat.Bytes, promptBound: Feat.PromptBound, outputBound: Feat.OutputBound, choices: Feat.Choices, tools: Feat.Tools, images: Feat.Images,
  noCache: Feat.NoCache, unlimited: Feat.Unlimited, upstreamStatus: Feat.UpstreamStatus, request: Feat.Request, output: Feat.Output,
  sampleAt: Feat.SampleAt, sampleLength: Feat.SampleLength,
});

/** The pages' samples, reused page after page (packing is synchronous; `values()` copies a page's out). */
const samples = new SampleBuffer(65_536);

const FEATURE_KEYS = ['bytes', 'promptBound', 'outputBound', 'choices', 'tools', 'images', 'routeHeader', 'noCache', 'unlimited', 'upstreamStatus', 'request', 'output'];
const REQUEST_KEYS = ['sketch', 'words', 'fresh'];
const OUTPUT_KEYS = ['sketch', 'words', 'sample', 'affirmation', 'toolKey', 'toolNames'];

const isNum = (v: unknown): v is number => typeof v === 'number';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const numOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isSketch = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && isNum(v[0]) && isNum(v[1]);
const sameKeys = (o: object, keys: readonly string[]): boolean => {
  const own = Object.keys(o);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
};

/** Whether a parsed features value has exactly the shape `pack` writes (anything else travels as JSON text). */
function packable(f: unknown): f is CallFeatures {
  if (typeof f !== 'object' || f === null || !sameKeys(f, FEATURE_KEYS)) return false;
  const c = f as unknown as Record<string, unknown>;
  if (!isNum(c['bytes']) || !numOrNull(c['promptBound']) || !numOrNull(c['outputBound']) || !isNum(c['choices'])) return false;
  if (!isBool(c['tools']) || !isBool(c['images']) || !strOrNull(c['routeHeader']) || !isBool(c['noCache']) || !isBool(c['unlimited']) || !numOrNull(c['upstreamStatus'])) return false;
  const rq = c['request'] as Record<string, unknown> | null;
  if (rq !== null && (typeof rq !== 'object' || !sameKeys(rq, REQUEST_KEYS) || !isSketch(rq['sketch']) || !isNum(rq['words']) || !isBool(rq['fresh']))) return false;
  const o = c['output'] as Record<string, unknown> | null;
  if (o === null) return true;
  return typeof o === 'object' && sameKeys(o, OUTPUT_KEYS) && isSketch(o['sketch']) && isNum(o['words']) && Array.isArray(o['sample']) && (o['sample'] as unknown[]).every(isNum) &&
    isBool(o['affirmation']) && strOrNull(o['toolKey']) && strOrNull(o['toolNames']);
}

const nullable = (v: number | null): number => (v === null ? NaN : v);
/**
 * A number read back from a page, as an integer where it is one (not -0): V8 keeps small integers in
 * an object's fields unboxed, where a double read from the page's Float64Array got a box of its own
 * in the row, and again in each object replay copies it to (~20 boxes a call, 16 bytes each).
 */
const int = (v: number): number => {
  const i = v | 0;
  return i === v && (i !== 0 || 1 / v > 0) ? i : v;
};
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : int(v));

/** A digest at `i`: present, its sketch, words and flag (the request's `fresh`, the output's `affirmation`), as Feat lays both out. */
function packDigest(nums: Float64Array, i: number, sketch: readonly [number, number], words: number, flag: boolean): void {
  nums[i] = 1;
  nums[i + 1] = sketch[0];
  nums[i + 2] = sketch[1];
  nums[i + 3] = words;
  nums[i + 4] = flag ? 1 : 0;
}

/** TEXT slots of the NOT NULL columns: id, key, team, endpoint and status. */
const NOT_NULL_TEXT = (k: number): boolean => k === 0 || k === 1 || k === 2 || k === 9 || k === 13;

/** A number read back as NULL: 0 as Number(null), but a first byte stays null. */
const nullNumber = (slot: number): number => (slot === 1 ? NaN : 0);

/**
 * Rows as a raw SELECT returns them (CALL_COLUMNS, or the columns `layout` says), packed (the worker's
 * side). `exactTexts` reads a row's joined texts again by its id in their exact form (layout.joined's
 * exactTextsSql), for a row whose texts do not split.
 */
export function packCalls(rows: readonly SqlValue[][], layout: RowLayout = ALL_COLUMNS, exactTexts?: (id: string) => string): CallBatch {
  const n = rows.length;
  const nums = new Float64Array(n * NUMS);
  const codes = new Int32Array(n * STRS);
  const dict: string[] = [];
  const index = new Map<string, number>();
  samples.length = 0;
  // id, key, team, endpoint and status are NOT NULL: a NULL read as String() like callFromValues does.
  const nullText = (k: number): number => (NOT_NULL_TEXT(k) ? code('null') : -1);
  const code = (s: string | null): number => {
    if (s === null) return -1;
    let c = index.get(s);
    if (c === undefined) {
      c = dict.length;
      dict.push(s);
      index.set(s, c);
    }
    return c;
  };
  const { text: textAt, number: numberAt, features: featuresCol, joined } = layout;
  const firstByteAt = numberAt[1]!;
  // The slots read value by value (the joined ones are read below), listed once a page.
  const ownText = TEXT.flatMap((_, k) => (textAt[k] === JOINED ? [] : [k]));
  const ownNumbers = NUMBER.flatMap((_, k) => (numberAt[k] === JOINED ? [] : [k]));
  // A page's rows by their joined texts: the first row with each, whose codes the others copy.
  const seen = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const v = rows[r]!;
    const s = r * STRS;
    const m = r * NUMS;
    for (let j = 0; j < ownText.length; j++) {
      const k = ownText[j]!;
      const p = textAt[k]!;
      const x = p < 0 ? null : v[p];
      if (x === null || x === undefined) codes[s + k] = nullText(k);
      // A call's id and request fingerprint rarely repeat within a page: sent as they are, not looked up.
      else if (k === 0 || k === 18) codes[s + k] = dict.push(String(x)) - 1;
      else codes[s + k] = code(String(x));
    }
    // As callFromValues reads them: Number(), and a null first byte stays null.
    for (let j = 0; j < ownNumbers.length; j++) {
      const k = ownNumbers[j]!;
      const p = numberAt[k]!;
      nums[m + k] = p < 0 ? 0 : Number(v[p]);
    }
    if (firstByteAt === -1 || (firstByteAt >= 0 && v[firstByteAt] === null)) nums[m + 1] = NaN;
    if (joined !== null) {
      readJoinedNumbers(v[joined.numbersAt] as string, joined.numbers, nums, m, nullNumber);
      const d = v[joined.textsAt] as string;
      const first = seen.get(d);
      if (first !== undefined) for (const k of joined.texts) codes[s + k] = codes[first * STRS + k]!;
      else {
        const values: (string | null)[] = d.split(TEXT_SEPARATOR);
        if (values.length === joined.texts.length) seen.set(d, r);
        else if (exactTexts) values.splice(0, values.length, ...readJoinedTexts(exactTexts(v[textAt[0]!] as string), joined.texts.length));
        else throw new Error('a joined ledger scan needs the exact re-read of texts that do not split');
        for (let j = 0; j < values.length; j++) {
          const k = joined.texts[j]!;
          const x = values[j]!;
          // An empty text in a nullable column is its NULL (joined-columns.ts).
          codes[s + k] = x === null || (x === '' && !NOT_NULL_TEXT(k)) ? nullText(k) : code(x);
        }
      }
    }
    codes[s + S_ROUTE] = codes[s + S_TOOL_KEY] = codes[s + S_TOOL_NAMES] = codes[s + S_RAW] = -1;
    const text = featuresCol < 0 ? null : v[featuresCol];
    if (typeof text !== 'string') continue;
    const at = m + F;
    // The text the gateway writes, scanned in place; any other text parsed (and packed, or kept) as before.
    const sampled = samples.length;
    if (scanner.scan(text, nums, at, samples)) {
      nums[at + Feat.Kind] = 1;
      codes[s + S_ROUTE] = code(scanner.routeHeader);
      codes[s + S_TOOL_KEY] = code(scanner.toolKey);
      codes[s + S_TOOL_NAMES] = code(scanner.toolNames);
      continue;
    }
    nums.fill(0, at, at + Feat.Count);
    samples.length = sampled;
    const f: unknown = JSON.parse(text);
    if (!packable(f)) {
      nums[at + Feat.Kind] = 2;
      codes[s + S_RAW] = code(text);
      continue;
    }
    nums[at + Feat.Kind] = 1;
    nums[at + Feat.Bytes] = f.bytes;
    nums[at + Feat.PromptBound] = nullable(f.promptBound);
    nums[at + Feat.OutputBound] = nullable(f.outputBound);
    nums[at + Feat.Choices] = f.choices;
    nums[at + Feat.Tools] = f.tools ? 1 : 0;
    nums[at + Feat.Images] = f.images ? 1 : 0;
    nums[at + Feat.NoCache] = f.noCache ? 1 : 0;
    nums[at + Feat.Unlimited] = f.unlimited ? 1 : 0;
    nums[at + Feat.UpstreamStatus] = nullable(f.upstreamStatus);
    codes[s + S_ROUTE] = code(f.routeHeader);
    if (f.request) packDigest(nums, at + Feat.Request, f.request.sketch, f.request.words, f.request.fresh);
    const o = f.output;
    if (o) {
      packDigest(nums, at + Feat.Output, o.sketch, o.words, o.affirmation);
      nums[at + Feat.SampleAt] = samples.length;
      nums[at + Feat.SampleLength] = o.sample.length;
      for (const h of o.sample) samples.push(h);
      codes[s + S_TOOL_KEY] = code(o.toolKey);
      codes[s + S_TOOL_NAMES] = code(o.toolNames);
    }
  }
  return { n, nums, codes, dict, samples: samples.values() };
}

/** The string at a code slot, or null. */
function strAt(b: CallBatch, i: number): string | null {
  const c = b.codes[i]!;
  return c < 0 ? null : b.dict[c]!;
}

function featuresAt(b: CallBatch, m: number, s: number): CallFeatures | null {
  const { nums, codes, dict } = b;
  const at = m + F;
  const kind = nums[at + Feat.Kind];
  if (kind === 0) return null;
  if (kind === 2) return JSON.parse(dict[codes[s + S_RAW]!]!) as CallFeatures;
  let output: CallFeatures['output'] = null;
  if (nums[at + Feat.Output] === 1) {
    const from = nums[at + Feat.SampleAt]!;
    const len = nums[at + Feat.SampleLength]!;
    const sample = new Array<number>(len);
    for (let i = 0; i < len; i++) sample[i] = b.samples[from + i]!;
    output = {
      sketch: [nums[at + Feat.OutSketch0]!, nums[at + Feat.OutSketch1]!],
      words: int(nums[at + Feat.OutWords]!),
      sample,
      affirmation: nums[at + Feat.OutAffirmation] === 1,
      toolKey: strAt(b, s + S_TOOL_KEY),
      toolNames: strAt(b, s + S_TOOL_NAMES),
    };
  }
  return {
    bytes: int(nums[at + Feat.Bytes]!),
    promptBound: orNull(nums[at + Feat.PromptBound]!),
    outputBound: orNull(nums[at + Feat.OutputBound]!),
    choices: int(nums[at + Feat.Choices]!),
    tools: nums[at + Feat.Tools] === 1,
    images: nums[at + Feat.Images] === 1,
    routeHeader: strAt(b, s + S_ROUTE),
    noCache: nums[at + Feat.NoCache] === 1,
    unlimited: nums[at + Feat.Unlimited] === 1,
    upstreamStatus: orNull(nums[at + Feat.UpstreamStatus]!),
    request: nums[at + Feat.Request] === 1 ? { sketch: [nums[at + Feat.ReqSketch0]!, nums[at + Feat.ReqSketch1]!], words: int(nums[at + Feat.ReqWords]!), fresh: nums[at + Feat.ReqFresh] === 1 } : null,
    output,
  };
}

/** The batch's row `r` as a CallRow (the gateway thread's side): the same row callFromValues gives. */
export function unpackCall(b: CallBatch, r: number): CallRow {
  const { nums, codes, dict } = b;
  const s = r * STRS;
  const m = r * NUMS;
  return {
    id: dict[codes[s]!]!, startedAt: nums[m]!, firstByteAt: orNull(nums[m + 1]!), endedAt: nums[m + 2]!,
    keyId: dict[codes[s + 1]!]!, team: dict[codes[s + 2]!]!, user: strAt(b, s + 3), project: strAt(b, s + 4), run: strAt(b, s + 5), agent: strAt(b, s + 6),
    parent: strAt(b, s + 7), tags: strAt(b, s + 8), endpoint: dict[codes[s + 9]!]! as CallRow['endpoint'], stream: nums[m + 3] === 1,
    provider: strAt(b, s + 10), requestedModel: strAt(b, s + 11), servedModel: strAt(b, s + 12), inputTokens: int(nums[m + 4]!),
    cachedInputTokens: int(nums[m + 5]!), cacheWrite5mTokens: int(nums[m + 6]!), cacheWrite1hTokens: int(nums[m + 7]!),
    outputTokens: int(nums[m + 8]!), reasoningTokens: int(nums[m + 9]!), costNanos: int(nums[m + 10]!), estimated: nums[m + 11] === 1,
    status: dict[codes[s + 13]!]! as CallRow['status'], httpStatus: int(nums[m + 12]!), errorCode: strAt(b, s + 14), upstreamRequestId: strAt(b, s + 15),
    attemptOf: strAt(b, s + 16), route: strAt(b, s + 17), cacheHit: nums[m + 13] === 1, savedNanos: int(nums[m + 14]!), requestHash: strAt(b, s + 18),
    webSearches: int(nums[m + 15]!), serviceTier: strAt(b, s + 19), features: featuresAt(b, m, s),
  };
}

/** Every row of the batch. */
export function unpackCalls(b: CallBatch): CallRow[] {
  const out = new Array<CallRow>(b.n);
  for (let r = 0; r < b.n; r++) out[r] = unpackCall(b, r);
  return out;
}

/** The keyset position of the batch's last row, without building the row. */
export function lastKeyOf(b: CallBatch): { startedAt: number; id: string } | null {
  return b.n === 0 ? null : { startedAt: b.nums[(b.n - 1) * NUMS]!, id: b.dict[b.codes[(b.n - 1) * STRS]!]! };
}

/** The batch as a page whose rows are unpacked as they are read. */
export function callPage(b: CallBatch): CallPage {
  return { length: b.n, row: (i) => unpackCall(b, i), lastKey: () => lastKeyOf(b) };
}
