/** The typed state of one model call as it moves through the pipeline's stages. */
import * as crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelRates } from '../pricing/price-book.js';
import { emptyUsage, type TokenUsage } from '../pricing/usage.js';
import type { ProviderRuntime } from '../providers/registry.js';
import type { ApiShape, Endpoint } from '../providers/types.js';
import type { PlannedLimit } from '../policy/limits.js';
import type { LateHold } from './new-budgets.js';
import type { CallStatus, KeyRecord } from '../storage/types.js';
import type { OutputFeatures, RequestDigest } from '../guard/index.js';

export interface Attribution {
  keyId: string;
  team: string;
  user: string | null;
  project: string | null;
  run: string | null;
  agent: string | null;
  parent: string | null;
  tags: string | null;
}

export interface RouteTarget {
  /** The model name the client asked for. */
  requested: string;
  /** The configured model that serves it. */
  model: string;
  upstreamModel: string;
  provider: ProviderRuntime;
  rates: ModelRates | null;
}

export interface CallContext {
  readonly id: string;
  readonly api: ApiShape;
  readonly endpoint: Endpoint;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startedAt: number;
  firstByteAt: number | null;
  rawBody: Buffer;
  /** SHA-256 (hex) of the endpoint and the raw body, computed once when first needed (see bodyDigest). */
  rawDigest: string | null;
  /** The gateway's secret that keys rawDigest. */
  readonly digestKey: string;
  body: Record<string, unknown>;
  stream: boolean;
  /** OpenAI streams: whether the client itself asked for the usage chunk. */
  clientWantsUsage: boolean;
  key: KeyRecord | null;
  attribution: Attribution | null;
  target: RouteTarget | null;
  /** The budget set reserve() planned on (LimitPlans.version); null when reserve did not run. */
  limitsVersion: object | null;
  /** What reserve() holds on budgets and rate limits, settled after the call. */
  reservation: { limits: PlannedLimit[]; worstNanos: number; outputCap: number } | null;
  /** The call's worst case (nano-dollars, tokens) as reserve() planned it, also where nothing was reserved; -1 before. */
  worstNanos: number;
  worstTokens: number;
  /** Reservations on budgets created while the call was in flight (new-budgets.ts). */
  lateHolds: LateHold[] | null;
  /** max_tokens after a budget clamp shrank it. */
  clampedTo: number | null;
  /** The budget whose downgrade rule changed the served model. */
  downgradedBy: string | null;
  /** The route decision: targets after the first are fallbacks. */
  route: { targets: string[]; cache: { ttlSeconds: number; scope: 'key' | 'team' | 'org'; maxEntries: number } | null; reason: string; label: string | null } | null;
  /** "rule:<name>", "downgrade:<budget>" or "cache" when the served model or answer was not simply the requested one. */
  routeLabel: string | null;
  cacheHit: boolean;
  savedNanos: number;
  /** Set when the route caches answers: where this call's answer goes. */
  cache: { key: string; exact: string; ttlMs: number } | null;
  /** The complete response body sent to the client (kept only when it is to be cached). */
  responseBody: string | null;
  /**
   * A streamed answer in the client's API format, as it arrived (the provider's bytes, usage chunk
   * included, or the translator's output), kept only when it is to be cached.
   */
  streamedAnswer: (Buffer | string)[] | null;
  usage: TokenUsage;
  /** The request was sent to the provider (it may bill for it). */
  upstreamSent: boolean;
  /** The provider answered with a success status. */
  upstreamOk: boolean;
  /** Whether the provider's final usage arrived; if not, meter estimates. */
  usageComplete: boolean;
  promptKnown: boolean;
  /** The service tier the provider says served the call (priced at that tier's rates when known), if it said. */
  serviceTier: string | null;
  /** Generated text seen in a stream, for estimating output when usage never arrived. */
  generatedText: string;
  /** A 2xx answer whose body could not be read whole (cut, or past max_response_bytes): generated, billed, unseen. */
  answerLost: boolean;
  estimated: boolean;
  /** The run guard saw this call start (so it must see it end). */
  guarded: boolean;
  /** What the model produced, for the run guard's output-side detectors (filled only when the guard is on). */
  output: { text: string; toolCalls: { name: string; arguments: string }[] };
  costNanos: number;
  status: CallStatus;
  httpStatus: number;
  errorCode: string | null;
  upstreamRequestId: string | null;
  /** The provider's own HTTP error status, when it answered with one (not cuts, resets or timeouts). */
  upstreamStatus: number | null;
  /** What the stages decided on, kept for the ledger's replay features (pipeline/features.ts). */
  seen: SeenInputs;
}

/** Inputs the live stages computed anyway, kept so the record stage need not compute them again. */
export interface SeenInputs {
  /** route: the body's size as received (before reserve may splice max_tokens into it). */
  bytes: number | null;
  /** reserve: the prompt-token bound and the output bound (before any clamp). */
  promptBound: number | null;
  outputBound: number | null;
  /** route: whether the prompt has images (only computed when route rules exist). */
  images: boolean | null;
  /** run guard: its digests of the request and of the output. */
  request: RequestDigest | null;
  output: OutputFeatures | null;
}

export function newContext(init: {
  id: string;
  api: ApiShape;
  endpoint: Endpoint;
  req: IncomingMessage;
  res: ServerResponse;
  startedAt: number;
  digestKey?: string;
}): CallContext {
  // An explicit literal (not a spread) keeps one hidden class for every call's context.
  return {
    id: init.id,
    api: init.api,
    endpoint: init.endpoint,
    req: init.req,
    res: init.res,
    startedAt: init.startedAt,
    firstByteAt: null,
    rawBody: EMPTY,
    rawDigest: null,
    digestKey: init.digestKey ?? '',
    body: {},
    stream: false,
    clientWantsUsage: false,
    key: null,
    attribution: null,
    target: null,
    limitsVersion: null,
    reservation: null,
    worstNanos: -1,
    worstTokens: -1,
    lateHolds: null,
    clampedTo: null,
    downgradedBy: null,
    route: null,
    routeLabel: null,
    cacheHit: false,
    savedNanos: 0,
    cache: null,
    responseBody: null,
    streamedAnswer: null,
    usage: emptyUsage(),
    upstreamSent: false,
    upstreamOk: false,
    usageComplete: false,
    promptKnown: false,
    serviceTier: null,
    generatedText: '',
    answerLost: false,
    estimated: false,
    guarded: false,
    output: NO_OUTPUT,
    costNanos: 0,
    status: 'ok',
    httpStatus: 200,
    errorCode: null,
    upstreamRequestId: null,
    upstreamStatus: null,
    seen: { bytes: null, promptBound: null, outputBound: null, images: null, request: null, output: null },
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * SHA-256 (hex) of the gateway's fingerprint key, the endpoint and the raw request body, hashed at most
 * once per call: the ledger's request fingerprint and the response cache's exact-bytes key both derive
 * from it. Keyed, so that whoever reads the ledger (or the cache) cannot confirm a guessed prompt by
 * hashing it: the prompt is not stored, and its hash must not stand in for it.
 */
export function bodyDigest(ctx: CallContext): string {
  return (ctx.rawDigest ??= digestOf(ctx.endpoint, ctx.rawBody, ctx.digestKey));
}

/** crypto.hash (Node 20.12+): one call, where a Hash object costs a native object and three more calls. */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash;
const PREFIXES = new Map<string, Buffer>();

/** SHA-256 (hex) of `key`, `endpoint`, a newline and `body`. */
export function digestOf(endpoint: string, body: Buffer, key = ''): string {
  if (!oneShot) return crypto.createHash('sha256').update(key).update(endpoint).update('\n').update(body).digest('hex');
  const id = key + endpoint;
  let prefix = PREFIXES.get(id);
  if (!prefix) {
    if (PREFIXES.size > 64) PREFIXES.clear();
    PREFIXES.set(id, (prefix = Buffer.from(`${id}\n`)));
  }
  const bytes = Buffer.allocUnsafe(prefix.length + body.length);
  prefix.copy(bytes, 0);
  body.copy(bytes, prefix.length);
  return oneShot('sha256', bytes, 'hex');
}
const NO_OUTPUT = { text: '', toolCalls: [] };
