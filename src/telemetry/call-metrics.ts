/**
 * Prometheus metrics of the gateway, in a private prom-client Registry (never the global one, so two
 * gateways in one process, as in the tests, keep separate numbers).
 *
 * Hot path: `observe(row)` runs once per ledger row. Counters are plain integers on an object cached
 * per (team, model, provider), found through nested Maps (no label object or key string per call),
 * and handed to prom-client only when scraped (each counter's collect()). Spend stays integer
 * nano-dollars until then, so the exported USD total is one division of an exact sum, not a sum of
 * floats. Histograms likewise count into arrays cached per (endpoint, model, provider).
 * Budget utilisation is read at scrape time from what the limiter last saw.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { BudgetDirectory } from '../budgets/budget-directory.js';
import type { Limiter } from '../budgets/limiter.js';
import type { GuardDecision } from '../guard/index.js';
import { budgetCounterKey, hasOneCounter } from '../policy/limits.js';
import { periodWindow } from '../policy/period.js';
import type { CallRow } from '../storage/types.js';
import { BucketHistogram, type HistogramSeries } from './bucket-histogram.js';

export const TOKEN_CLASSES = ['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'output', 'reasoning'] as const;
const ENDPOINTS = ['chat', 'messages', 'embeddings', 'responses'] as const;
const STATUSES = ['ok', 'error', 'aborted'] as const;
const ENDPOINT_INDEX: Record<CallRow['endpoint'], number> = { chat: 0, messages: 1, embeddings: 2, responses: 3 };
const STATUS_INDEX: Record<CallRow['status'], number> = { ok: 0, error: 1, aborted: 2 };
/** Label value for a call that never reached a model (refused before routing). */
const NONE = 'none';

/** Seconds. Model calls run from milliseconds (cache hits) to minutes (long generations). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const TTFB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Labels3 = { team: string; model: string; provider: string };

/** Everything counted for one (team, model, provider). */
class Series {
  costNanos = 0;
  savedNanos = 0;
  cacheHits = 0;
  fallbacks = 0;
  readonly tokens = [0, 0, 0, 0, 0, 0];
  /** endpoint index * 3 + status index. */
  readonly calls = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  constructor(readonly labels: Labels3) {}
}

interface Timing {
  latency: HistogramSeries;
  ttfb: HistogramSeries;
}

export interface BudgetSources {
  budgets: BudgetDirectory;
  limiter: Limiter;
  timezone: string;
  now: () => number;
}

/** Innermost lookup of a three-level map, creating the levels on first use. */
function nested<V>(root: Map<string, Map<string, Map<string, V>>>, a: string, b: string, c: string, make: () => V): V {
  let l1 = root.get(a);
  if (!l1) root.set(a, (l1 = new Map()));
  let l2 = l1.get(b);
  if (!l2) l1.set(b, (l2 = new Map()));
  let v = l2.get(c);
  if (v === undefined) l2.set(c, (v = make()));
  return v;
}

function* leaves<V>(root: Map<string, Map<string, Map<string, V>>>): Generator<V> {
  for (const l1 of root.values()) for (const l2 of l1.values()) yield* l2.values();
}

export class CallMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, Map<string, Map<string, Series>>>();
  private readonly timings = new Map<string, Map<string, Map<string, Timing>>>();
  private readonly errors = new Map<string, number>();
  private readonly guard = new Map<string, { action: string; detector: string; refused: string; n: number }>();
  private readonly latency: BucketHistogram;
  private readonly ttfb: BucketHistogram;

  constructor(budgets: BudgetSources | null) {
    const registers = [this.registry];
    const everySeries = (): Generator<Series> => leaves(this.series);
    new Counter({
      name: 'tollgate_spend_usd_total',
      help: 'Spend in USD as priced into the ledger (exact integer nano-dollars, divided once at scrape).',
      labelNames: ['team', 'model', 'provider'],
      registers,
      collect() {
        this.reset();
        for (const s of everySeries()) this.inc(s.labels, s.costNanos / 1e9);
      },
    });
    new Counter({
      name: 'tollgate_tokens_total',
      help: 'Tokens by class; classes never overlap (input is uncached input, output excludes reasoning).',
      labelNames: ['team', 'model', 'provider', 'class'],
      registers,
      collect() {
        this.reset();
        for (const s of everySeries()) TOKEN_CLASSES.forEach((c, i) => this.inc({ ...s.labels, class: c }, s.tokens[i]!));
      },
    });
    new Counter({
      name: 'tollgate_calls_total',
      help: 'Calls (ledger rows, failed fallback attempts included) by endpoint and status.',
      labelNames: ['team', 'model', 'provider', 'endpoint', 'status'],
      registers,
      collect() {
        this.reset();
        for (const s of everySeries()) {
          s.calls.forEach((n, i) => {
            if (n > 0) this.inc({ ...s.labels, endpoint: ENDPOINTS[Math.floor(i / 3)]!, status: STATUSES[i % 3]! }, n);
          });
        }
      },
    });
    const perSeries = (name: string, help: string, value: (s: Series) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['team', 'model', 'provider'],
        registers,
        collect() {
          this.reset();
          for (const s of everySeries()) this.inc(s.labels, value(s));
        },
      });
    };
    perSeries('tollgate_cache_hits_total', 'Calls answered from the response cache.', (s) => s.cacheHits);
    perSeries('tollgate_fallbacks_total', 'Failed attempts that the route fell back from (labelled with the model that failed).', (s) => s.fallbacks);
    perSeries('tollgate_saved_usd_total', 'What the requested model would have cost minus what was paid (cache, routing, downgrades).', (s) => s.savedNanos / 1e9);
    const errors = this.errors;
    new Counter({
      name: 'tollgate_errors_total',
      help: 'Failed calls by Tollgate error code.',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of errors) this.inc({ code }, n);
      },
    });
    const guard = this.guard;
    new Counter({
      name: 'tollgate_guard_actions_total',
      help: 'Run guard decisions other than allow, per call, by action and detector ("none": a cap or an admin); refused="true" when the call was refused.',
      labelNames: ['action', 'detector', 'refused'],
      registers,
      collect() {
        this.reset();
        for (const g of guard.values()) this.inc({ action: g.action, detector: g.detector, refused: g.refused }, g.n);
      },
    });
    this.latency = new BucketHistogram({ name: 'tollgate_request_duration_seconds', help: 'From the request arriving to the call ending.', labelNames: ['endpoint', 'model', 'provider'], buckets: LATENCY_BUCKETS, registers });
    this.ttfb = new BucketHistogram({ name: 'tollgate_time_to_first_byte_seconds', help: 'From the request arriving to the first byte of the answer reaching the client.', labelNames: ['endpoint', 'model', 'provider'], buckets: TTFB_BUCKETS, registers });
    if (budgets) registerBudgetGauges(registers, budgets);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** Once per ledger row. */
  observe(row: CallRow): void {
    const model = row.servedModel ?? NONE;
    const provider = row.provider ?? NONE;
    const s = nested(this.series, row.team, model, provider, () => new Series({ team: row.team, model, provider }));
    s.costNanos += row.costNanos;
    s.savedNanos += row.savedNanos;
    const t = s.tokens;
    t[0]! += row.inputTokens;
    t[1]! += row.cachedInputTokens;
    t[2]! += row.cacheWrite5mTokens;
    t[3]! += row.cacheWrite1hTokens;
    t[4]! += row.outputTokens;
    t[5]! += row.reasoningTokens;
    s.calls[ENDPOINT_INDEX[row.endpoint] * 3 + STATUS_INDEX[row.status]]!++;
    if (row.cacheHit) s.cacheHits++;
    if (row.attemptOf !== null) s.fallbacks++;
    if (row.errorCode !== null) this.errors.set(row.errorCode, (this.errors.get(row.errorCode) ?? 0) + 1);
    const timing = nested(this.timings, row.endpoint, model, provider, () => {
      const labels = { endpoint: row.endpoint, model, provider };
      return { latency: this.latency.series(labels), ttfb: this.ttfb.series(labels) };
    });
    timing.latency.observe(Math.max(0, row.endedAt - row.startedAt) / 1000);
    if (row.firstByteAt !== null) timing.ttfb.observe(Math.max(0, row.firstByteAt - row.startedAt) / 1000);
  }

  /** A run guard decision other than allow (rare: a string key per decision is fine). */
  guardAction(d: GuardDecision, refused: boolean): void {
    const detector = d.evidence[d.evidence.length - 1]?.detector ?? NONE;
    const key = `${d.action}\u0000${detector}\u0000${refused}`;
    const g = this.guard.get(key);
    if (g) g.n++;
    else this.guard.set(key, { action: d.action, detector, refused: String(refused), n: 1 });
  }
}

/**
 * Per budget with one counter (wildcards like key:* have one per key, run budgets one per team: too many series):
 * its limit, and its utilisation as this instance last saw it (spent + reserved over the limit);
 * a budget no call touched since start has no utilisation sample yet.
 */
function registerBudgetGauges(registers: Registry[], src: BudgetSources): void {
  const concrete = () => src.budgets.list().filter((b) => hasOneCounter(b.scope));
  new Gauge({
    name: 'tollgate_budget_limit_usd',
    help: 'The limit of each budget.',
    labelNames: ['scope', 'period'],
    registers,
    collect() {
      this.reset();
      for (const b of concrete()) this.set({ scope: b.scope, period: b.period }, b.limitNanos / 1e9);
    },
  });
  new Gauge({
    name: 'tollgate_budget_utilisation_ratio',
    help: 'Spent plus reserved over the limit (1 = exhausted), as last seen by this instance.',
    labelNames: ['scope', 'period'],
    registers,
    collect() {
      this.reset();
      const now = src.now();
      for (const b of concrete()) {
        const key = budgetCounterKey(b, b.scope, periodWindow(b.period, src.timezone, now).key);
        const pct = src.limiter.lastUtilisation([key]);
        if (pct !== null) this.set({ scope: b.scope, period: b.period }, pct / 100);
      }
    },
  });
}
