/**
 * Storage interfaces. Every backend (sqlite/ today) implements `Store`; all methods are async so the
 * request path never waits on disk, and so networked backends fit the same shape.
 */

import type { AnalyticsQuery, AnalyticsRow } from '../analytics/query.js';

export interface KeyRecord {
  /** Public identifier, also embedded in the key itself (tg_<id>_<secret>). */
  id: string;
  /** Keyed hash (HMAC-SHA256, hex) of the whole key. The key itself is never stored. */
  hash: string;
  name: string | null;
  team: string;
  user: string | null;
  project: string | null;
  /** Models this key may use; null means every configured model. */
  models: string[] | null;
  /** Exempt from default (wildcard) budgets and default rate limits; must be asked for explicitly. */
  unlimited: boolean;
  createdAt: number;
  revokedAt: number | null;
}

export type CallStatus = 'ok' | 'error' | 'aborted';

/** One ledger row per call. Times are epoch milliseconds; cost is integer nano-dollars. */
export interface CallRow {
  id: string;
  startedAt: number;
  firstByteAt: number | null;
  endedAt: number;
  keyId: string;
  team: string;
  user: string | null;
  project: string | null;
  run: string | null;
  agent: string | null;
  parent: string | null;
  /** Comma-separated, as sent in x-tollgate-tags (trimmed). */
  tags: string | null;
  endpoint: 'chat' | 'messages' | 'embeddings' | 'responses';
  stream: boolean;
  provider: string | null;
  requestedModel: string | null;
  servedModel: string | null;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNanos: number;
  /** True when some token counts were estimated with a tokenizer (usage never arrived). */
  estimated: boolean;
  status: CallStatus;
  httpStatus: number;
  errorCode: string | null;
  upstreamRequestId: string | null;
  /** For a failed attempt of a fallback chain: the call it was an attempt of. */
  attemptOf: string | null;
  /** How the model was chosen: "rule:<name>", "downgrade:<budget>", "cache", or null (as requested). */
  route: string | null;
  cacheHit: boolean;
  /** What the requested model would have cost for the same tokens, minus what this cost (nano-dollars). */
  savedNanos: number;
  /**
   * Fingerprint of the request: SHA-256 (first 128 bits, hex) of the endpoint and the raw request body.
   * Equal hashes mean byte-identical requests, which is what the waste report counts as duplicates a
   * cache would have served and what replay feeds the cache. Never the prompt itself.
   */
  requestHash: string | null;
  /** Web searches the provider ran for the call and billed per search (0 for none, and on rows from before they were recorded). */
  webSearches: number;
  /**
   * The service tier the provider says served the call (OpenAI `service_tier`, Anthropic
   * `usage.service_tier`), as it named it; null when it named none (and on older rows). A cache hit
   * carries the original answer's tokens, searches and tier.
   */
  serviceTier: string | null;
  /** What the policies decided on, without the prompt (replay); absent on imported and older rows. */
  features?: CallFeatures | null;
}

/**
 * The inputs of the budget, routing, cache and run-guard decisions of one call, recorded by the live
 * pipeline so `tollgate replay` can run the same policies again over history. Never prompt text: sizes,
 * flags, the route header, and the run guard's 64-bit sketches and hashes. Stored as JSON.
 */
export interface CallFeatures {
  /** Request body bytes as received (route rules' prompt size, the run guard's prompt size). */
  bytes: number;
  /** Prompt-token bound the budget reservation used; null when the call reserved nothing. */
  promptBound: number | null;
  /** Output tokens reserved (max tokens x choices) before any clamp; null when neither reserved nor given. */
  outputBound: number | null;
  /** Choices asked for (n). */
  choices: number;
  tools: boolean;
  images: boolean;
  /** The x-tollgate-route header (route rules match on it). */
  routeHeader: string | null;
  /** The client bypassed the cache (Cache-Control: no-cache / no-store). */
  noCache: boolean;
  /** The key is exempt from default budgets and rate limits. */
  unlimited: boolean;
  /** The provider's own HTTP error status, if it answered with one. */
  upstreamStatus: number | null;
  /** The run guard's digest of the request's new part: 64-bit sketch, words, a fresh conversation. */
  request: { sketch: [number, number]; words: number; fresh: boolean } | null;
  /** The run guard's digest of the output: sketch, words, novelty sample (shingle hashes), acknowledgement, tool-call key and names. */
  output: { sketch: [number, number]; words: number; sample: number[]; affirmation: boolean; toolKey: string | null; toolNames: string | null } | null;
}

export const SPEND_GROUPS = ['team', 'user', 'project', 'key', 'model', 'provider', 'run', 'agent', 'day'] as const;
export type SpendGroup = (typeof SPEND_GROUPS)[number];

export interface SpendQuery {
  groupBy: SpendGroup;
  /** Inclusive lower / exclusive upper bound on startedAt, epoch ms. */
  from?: number;
  to?: number;
  /** Restrict to one team (scoped viewers). */
  team?: string;
}

export interface SpendRow {
  group: string | null;
  calls: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNanos: number;
}

export type SavingsReason = 'cache' | 'routing' | 'downgrade';

export interface SavingsRow {
  group: string | null;
  reason: SavingsReason;
  calls: number;
  /** What was paid for these calls. */
  costNanos: number;
  /** What the requested model would have cost minus what was paid. */
  savedNanos: number;
}

export interface CallQuery {
  run?: string;
  team?: string;
  limit: number;
  /** Inclusive lower / exclusive upper bound on startedAt, epoch ms. */
  from?: number;
  to?: number;
  /**
   * Oldest first, after this (startedAt, id) position: pages through the ledger in the order calls
   * started (replay). Without it, newest first.
   */
  after?: { startedAt: number; id: string } | 'start';
}

/** A page of the ledger in a window, oldest first, for reports that need per-call detail (waste, ROI). */
export interface CallScan {
  /** Inclusive lower / exclusive upper bound on startedAt, epoch ms. */
  from?: number;
  to?: number;
  team?: string;
  /** Only calls with one of these error codes (e.g. the guard's refusals). */
  errorCodes?: string[];
  /** Only calls the waste report can count or learn from (see waste-candidates.ts). */
  wasteCandidates?: WasteCandidates;
  /** Keyset cursor: calls strictly after this (startedAt, id), in (startedAt, id) order. */
  after?: { startedAt: number; id: string };
  limit: number;
  /** false: leave each call's replay features out (null), for readers that don't use them. */
  features?: boolean;
  /**
   * false: a store may leave out what only describes how a call was delivered (firstByteAt,
   * stream, provider, httpStatus, upstreamRequestId, savedNanos: null, false or 0 in their place), for
   * readers that don't use them (replay); a store that reads whole rows anyway keeps them. cacheHit is
   * kept: replay prices a call the cache served live (at no cost) from its tokens.
   */
  delivery?: boolean;
}

/** A page of scanned calls, each row built when read (Store.scanCallPage). */
export interface CallPage {
  readonly length: number;
  /** Row `i` (0 <= i < length), a new object each time. */
  row(i: number): CallRow;
  /** The last row's keyset position, without building the row. */
  lastKey(): { startedAt: number; id: string } | null;
}

/** The waste report's settings that decide which calls it may skip. */
export interface WasteCandidates {
  /** Error codes that mark a run as stopped by the guard. */
  stopCodes: string[];
  /** Models the oversized rule may apply to (empty when the rule is off). */
  models: string[];
}

/** What the ROI report reads of a window: Store.callGroups (see call-groups.ts). */
export interface CallGroupQuery {
  /** Inclusive lower / exclusive upper bound on startedAt, epoch ms. */
  from: number;
  to: number;
  /** What to group by besides team (the fewer, the cheaper); a column not asked for is null in every row. */
  by: ('project' | 'run' | 'agent' | 'model')[];
  /**
   * A repeat: a call whose whole prompt is at most `maxPromptTokens` and whose team made a call with the
   * same requestHash less than `withinMs` before it (that earlier call may be before `from`).
   */
  repeats: { withinMs: number; maxPromptTokens: number };
}

/** The calls of one (team, project, run, agent, served model) in the window, summed (see CallGroupQuery.by). */
export interface CallGroupRow {
  team: string;
  project: string | null;
  run: string | null;
  agent: string | null;
  model: string | null;
  calls: number;
  /** Calls whose status is 'ok'. */
  okCalls: number;
  costNanos: number;
  repeats: number;
}

/** A reported outcome (a merged PR, a resolved ticket) and its value, on a run, project and/or team. */
export interface OutcomeRecord {
  id: string;
  run: string | null;
  project: string | null;
  team: string | null;
  agent: string | null;
  label: string;
  /** Integer nano-dollars. */
  valueNanos: number;
  /** When the outcome happened, epoch ms. */
  at: number;
  createdAt: number;
}

export interface OutcomeQuery {
  /** Inclusive lower / exclusive upper bound on `at`, epoch ms. */
  from?: number;
  to?: number;
  team?: string;
  run?: string;
  project?: string;
  limit: number;
}

export const BUDGET_PERIODS = ['day', 'week', 'month', 'year', 'none'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** A spending limit on one scope ("team:platform", "key:<id>", "org", "tag:batch", "run:<id>"...). */
export interface BudgetRecord {
  /** `${scope}/${period}`: one budget per scope and period. */
  id: string;
  scope: string;
  period: BudgetPeriod;
  limitNanos: number;
  limitTokens: number | null;
  /** Percentages at which to alert (e.g. [50, 80, 100]). */
  alertAt: number[];
  /** Serve `model` instead once utilisation passes `atPct`. */
  downgrade: { atPct: number; model: string } | null;
  /** Shrink max_tokens to what remains instead of refusing. */
  clamp: boolean;
  /** Where it was defined: config budgets are read-only at run time. */
  source: 'config' | 'api' | 'default';
  createdAt: number;
  /** Pacing: spread what remains over the rest of the period (see policy/pacing.ts). */
  pace?: BudgetPace | null;
}

/** What a paced budget does once today's allowance is spent; `model` is the downgrade target. */
export interface BudgetPace {
  action: 'alert' | 'downgrade' | 'block';
  model: string | null;
}

/**
 * One result of a provider's own usage or cost report (a time bucket x its group keys), imported by
 * `tollgate import openai-usage|anthropic-usage`. Kept apart from the ledger: these are aggregates that
 * also cover the traffic the gateway metered, so adding them to `calls` would count it twice. Tokens are
 * in Tollgate's non-overlapping classes (OpenAI's input_tokens include cached ones; converted on import).
 */
export interface ProviderUsageRow {
  /** Deterministic: provider, kind, bucket and group keys (re-importing a bucket replaces it). */
  id: string;
  provider: string;
  kind: 'usage' | 'cost';
  bucketStart: number;
  bucketEnd: number;
  model: string | null;
  apiKeyId: string | null;
  /** Anthropic workspace_id, OpenAI project_id. */
  workspace: string | null;
  userId: string | null;
  /** What else identifies the result: OpenAI line_item, Anthropic cost_type/token_type, batch, service tier. */
  detail: string | null;
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  costNanos: number;
  importedAt: number;
}

export interface ProviderUsageQuery {
  provider?: string;
  /** Buckets starting in [from, to). */
  from?: number;
  to?: number;
}

export interface Store {
  /** Create tables if needed (idempotent). */
  migrate(): Promise<void>;
  getMeta(name: string): Promise<string | null>;
  setMetaIfAbsent(name: string, value: string): Promise<string>;

  insertKey(key: KeyRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | null>;
  listKeys(): Promise<KeyRecord[]>;
  /** Returns false when no such key exists. */
  revokeKey(id: string, at: number): Promise<boolean>;
  /** Changes whenever any key is created or revoked, by any process sharing the store. */
  keysVersion(): Promise<number>;

  upsertBudget(budget: BudgetRecord): Promise<void>;
  listBudgets(): Promise<BudgetRecord[]>;
  /** Returns false when no such budget exists. */
  deleteBudget(id: string): Promise<boolean>;
  /** Changes whenever any budget is created, changed or deleted. */
  budgetsVersion(): Promise<number>;

  /** Returns how many rows went in: a row whose id the ledger holds already is ignored, as is a repeat within `rows`. */
  appendCalls(rows: CallRow[]): Promise<number>;
  /**
   * Sum of cost (nanos) and tokens of calls matching every given attribute, started in [from, to).
   * Used to rebuild in-process budget counters from the ledger at start.
   */
  sumCalls(q: { from?: number; to?: number; match: Partial<Record<'team' | 'user' | 'project' | 'key' | 'run' | 'tag', string>> }): Promise<{ costNanos: number; tokens: number }>;
  spend(q: SpendQuery): Promise<SpendRow[]>;
  /** Savings of routed, downgraded and cached calls, by group and reason. */
  savings(q: SpendQuery): Promise<SavingsRow[]>;
  calls(q: CallQuery): Promise<CallRow[]>;
  /** Calls in a window, oldest first ((startedAt, id) order), one keyset page at a time. */
  scanCalls(q: CallScan): Promise<CallRow[]>;
  /**
   * scanCalls as a page whose rows are built one at a time as the reader asks for them (replay reads a
   * million rows: built all at once, a page's rows outlive a young-generation collection and are copied
   * into the old one). Optional: readers fall back to scanCalls.
   */
  scanCallPage?(q: CallScan): Promise<CallPage>;
  /** The window's calls summed per team and the asked-for columns (project, run, agent, model), with their repeats. */
  callGroups(q: CallGroupQuery): Promise<CallGroupRow[]>;

  insertOutcome(o: OutcomeRecord): Promise<void>;
  /** Outcomes matching every given field, `at` in [from, to): the latest `limit` of them, oldest first. */
  outcomes(q: OutcomeQuery): Promise<OutcomeRecord[]>;

  /** Insert provider report rows, replacing a row with the same id (a re-fetched bucket). */
  upsertProviderUsage(rows: ProviderUsageRow[]): Promise<void>;
  providerUsage(q: ProviderUsageQuery): Promise<ProviderUsageRow[]>;

  /** Spend, tokens, calls, latency and errors by any dimensions and time bucket, mostly from rollups. */
  analytics(q: AnalyticsQuery): Promise<AnalyticsRow[]>;

  close(): Promise<void>;
}
