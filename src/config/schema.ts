/** The shape of tollgate.yaml, as a zod schema; `Config` is inferred from it. */
import { z } from 'zod';
import { CONTROL_CHARS_MESSAGE, isPlainText } from './plain-text.js';
import { guardConfigSchema } from '../guard/config.js';
import { metricsConfigSchema, otelConfigSchema } from '../telemetry/config.js';
import { roiConfigSchema, wasteConfigSchema } from '../analytics/value-config.js';
import { importConfigSchema, reconcileConfigSchema } from '../import/config.js';
import { MAX_CALL_TOKENS } from '../pricing/usage.js';

/** USD per million tokens; an optional class defaults to input (cache reads and writes) or output (reasoning). */
/** The shortest admin key a gateway accepts (config or TOLLGATE_ADMIN_KEY). */
export const MIN_ADMIN_KEY = 12;

const tokenPriceSchema = z
  .object({
    input_per_mtok: z.number().nonnegative(),
    output_per_mtok: z.number().nonnegative(),
    cached_input_per_mtok: z.number().nonnegative().optional(),
    cache_write_per_mtok: z.number().nonnegative().optional(),
    cache_write_1h_per_mtok: z.number().nonnegative().optional(),
    reasoning_per_mtok: z.number().nonnegative().optional(),
    /** USD per 1,000 web searches the provider runs for a call (Anthropic's server web search tool). */
    web_searches_per_k: z.number().nonnegative().optional(),
    /**
     * USD per 1,000 requests, billed per call on top of tokens: the search fee of Chat Completions
     * search models (gpt-4o-search-preview...), Perplexity's request fee.
     */
    requests_per_k: z.number().nonnegative().optional(),
  })
  .strict();

/** A service tier as the provider names it in its answers (OpenAI `priority`, `flex`; Anthropic `priority`). */
const SERVICE_TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const serviceTiersSchema = z.record(z.string(), tokenPriceSchema).superRefine((tiers, ctx) => {
  for (const name of Object.keys(tiers)) {
    if (!SERVICE_TIER_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a service tier name: name it as the provider reports it (lower case), e.g. priority or flex` });
    } else if (name === 'auto') {
      ctx.addIssue({ code: 'custom', path: [name], message: 'auto is not a tier a call is served on (the provider picks one): price the tiers it picks' });
    }
  }
});

const priceSchema = tokenPriceSchema
  .extend({
    /**
     * Prices of the service tiers that cost something else than the standard rates above, each a whole
     * price (its optional classes default within the tier, not to the standard ones). A call the
     * provider reports served on one of them is priced at its rates; any other tier at the standard rates.
     */
    service_tiers: serviceTiersSchema.optional(),
  })
  .strict();

const timeoutsSchema = z
  .object({
    connect_ms: z.number().int().positive().default(5_000),
    first_byte_ms: z.number().int().positive().default(120_000),
    idle_ms: z.number().int().positive().default(60_000),
  })
  .strict();

const providerSchema = z
  .object({
    kind: z.enum(['openai', 'anthropic']),
    base_url: z.string().url(),
    api_key: z.string().default(''),
    /** Provider id in the price catalogue when it differs from the provider's name. */
    catalog: z.string().optional(),
    connections: z.number().int().positive().default(256),
    /** Field used when Tollgate injects an output bound (default: max_completion_tokens for api.openai.com). */
    max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
    timeouts: timeoutsSchema.default({ connect_ms: 5_000, first_byte_ms: 120_000, idle_ms: 60_000 }),
    /**
     * Largest non-streamed answer Tollgate holds in memory before relaying it (generated images come
     * base64 in the JSON); a larger one fails the call with upstream_error. Streams are relayed as they
     * arrive and have no such bound.
     */
    max_response_bytes: z.number().int().positive().default(64 * 1024 * 1024),
  })
  .strict();

const modelSchema = z
  .object({
    provider: z.string(),
    /** The model name sent upstream, when it differs from the name clients use. */
    upstream_model: z.string().optional(),
    price: priceSchema.optional(),
    /** What the model can do, for "cheapest model that satisfies" routes. */
    context_window: z.number().int().positive().optional(),
    tools: z.boolean().default(true),
    vision: z.boolean().default(false),
    /** A quality tier you assign (higher is better). */
    tier: z.number().int().min(0).default(1),
    /**
     * What the model serves: `chat` (chat completions, messages, responses) or `embedding`. By default
     * `embedding` when its name (or upstream_model) says "embed", else `chat`: a "cheapest" route picks
     * among the models of the call's kind only.
     */
    kind: z.enum(['chat', 'embedding']).optional(),
    /**
     * At most this many prompt tokens per image, for the worst-case reservation; by default the
     * model's published bound (pricing/image-tokens.ts), 3,000 for models it does not list.
     */
    image_tokens: z.number().int().positive().max(MAX_CALL_TOKENS).optional(),
    /**
     * At most this many prompt tokens a server web search's results add (they are billed as input),
     * for the worst-case reservation; 25,000 by default (pipeline/server-tools.ts).
     */
    web_search_tokens: z.number().int().positive().max(MAX_CALL_TOKENS).optional(),
  })
  .strict();

const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

const routeMatchSchema = z
  .object({
    model: stringOrList.optional(),
    key: stringOrList.optional(),
    team: stringOrList.optional(),
    user: stringOrList.optional(),
    project: stringOrList.optional(),
    /** Every listed tag must be on the call. */
    tags: z.array(z.string()).min(1).optional(),
    agent: stringOrList.optional(),
    /** The value of the x-tollgate-route header. */
    header: stringOrList.optional(),
    /** Prompt size in tokens, estimated as bytes / 4. */
    prompt_tokens: z.object({ gt: z.number().optional(), lt: z.number().optional() }).strict().optional(),
    tools: z.boolean().optional(),
    images: z.boolean().optional(),
    /** Utilisation (0-100+) of the tightest budget that applies, as last seen by this instance. */
    budget_used_pct: z.object({ gte: z.number().optional(), lt: z.number().optional() }).strict().optional(),
  })
  .strict();

export const routeSchema = z
  .object({
    name: z.string().optional(),
    match: routeMatchSchema.default({}),
    serve: z.string().optional(),
    split: z.array(z.object({ model: z.string(), weight: z.number().positive() }).strict()).min(1).optional(),
    fallback: z.array(z.string()).min(1).optional(),
    cheapest: z
      .object({ min_tier: z.number().int().min(0).optional(), tools: z.boolean().optional(), vision: z.boolean().optional(), min_context: z.number().int().positive().optional() })
      .strict()
      .optional(),
    /** `max_entries` sizes the one in-process cache every caching route shares (the largest value, at least 1,000): not a per-route bound. */
    cache: z
      .object({ ttl_seconds: z.number().int().positive(), scope: z.enum(['key', 'team', 'org']).default('team'), max_entries: z.number().int().positive().default(10_000) })
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => [r.serve, r.split, r.fallback, r.cheapest].filter((x) => x !== undefined).length <= 1, 'a route has at most one of serve, split, fallback, cheapest')
  .refine((r) => r.serve !== undefined || r.split !== undefined || r.fallback !== undefined || r.cheapest !== undefined || r.cache !== undefined, 'a route needs an action: serve, split, fallback, cheapest or cache');

const storeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string().default('./.tollgate/ledger.db') }).strict(),
  z
    .object({
      kind: z.literal('postgres'),
      url: z.string().min(1),
      pool_size: z.number().int().positive().default(10),
      schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('public'),
    })
    .strict(),
]);

/** Where budget and rate-limit counters live: in this process, or shared by every instance in Redis. */
const limitsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory') }).strict(),
  z
    .object({
      kind: z.literal('redis'),
      url: z.string().min(1),
      /** closed: refuse calls with limits_unavailable when Redis is down; open: fall back to local counters. */
      fail: z.enum(['closed', 'open']).default('closed'),
      /** Hash tag shared by all counter keys, so multi-key scripts stay on one Redis Cluster slot. */
      prefix: z.string().default('tg'),
    })
    .strict(),
]);

/** "org", "team:platform", "key:*" (each key separately), "tag:batch", "run:*"... */
const scopeSchema = z
  .string()
  .refine(isPlainText, CONTROL_CHARS_MESSAGE)
  .regex(/^(org|(team|user|project|key|tag|run):([^\s:]{1,200}))$/, 'a scope is "org" or kind:value with kind team|user|project|key|tag|run (value "*" means each one separately)');

/** The largest budget limit: its nano-dollars must stay an exact integer (2^53, about $9 million). */
export const MAX_LIMIT_USD = Math.floor(Number.MAX_SAFE_INTEGER / 1e9);

/** Budgets count whole nano-dollars: a smaller non-zero limit would silently round to a limit of $0. */
const limitUsdSchema = z
  .number()
  .nonnegative()
  .max(MAX_LIMIT_USD, { message: `a limit can be at most $${MAX_LIMIT_USD.toLocaleString('en-US')} (Tollgate counts nano-dollars as exact integers, up to 2^53)` })
  .refine((v) => v === 0 || v >= 1e-9, { message: 'a non-zero limit must be at least $0.000000001 (one nano-dollar, the smallest amount Tollgate counts)' });

export const budgetConfigSchema = z
  .object({
    scope: scopeSchema,
    limit_usd: limitUsdSchema,
    period: z.enum(['day', 'week', 'month', 'year', 'none']).default('month'),
    limit_tokens: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    alert_at: z.array(z.number().positive().max(1000)).default([]),
    downgrade: z.object({ at_pct: z.number().positive().max(1000), model: z.string() }).strict().optional(),
    clamp: z.boolean().default(false),
    /** Spread the rest of the budget over the rest of the period; see src/policy/pacing.ts. */
    pace: z.object({ action: z.enum(['alert', 'downgrade', 'block']), model: z.string().min(1).optional() }).strict().optional(),
  })
  .strict()
  .refine((b) => !b.pace || b.period !== 'none', { message: 'a lifetime (period none) budget cannot be paced', path: ['pace'] })
  .refine((b) => !b.pace || (b.pace.action === 'downgrade') === (b.pace.model !== undefined), { message: 'pace.model is required with action downgrade, and only then', path: ['pace', 'model'] });

const rateLimitSchema = z
  .object({
    scope: scopeSchema,
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    concurrent: z.number().int().positive().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4000),
        max_body_bytes: z.number().int().positive().default(4 * 1024 * 1024),
        /** A request (headers and body) must have arrived within this long; a client that trickles it is cut off (408). */
        request_timeout_ms: z.number().int().positive().max(3_600_000).default(60_000),
        /**
         * Token counts (POST /v1/messages/count_tokens) a key may ask for a minute, on this instance; null
         * for no bound. Tollgate answers them itself with its tokenizer, so they cost its CPU, not a
         * provider's quota, and no budget or rate limit of model calls covers them.
         */
        count_tokens_rpm: z.number().int().positive().nullable().default(600),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4000, max_body_bytes: 4 * 1024 * 1024, request_timeout_ms: 60_000, count_tokens_rpm: 600 }),
    /** The admin API's key: long enough not to be guessed (failed attempts are also throttled per address: server/auth-throttle.ts). */
    admin_key: z.string().min(MIN_ADMIN_KEY, `the admin key must be at least ${MIN_ADMIN_KEY} characters: a short one is guessed in seconds`).optional(),
    /** Secret for the keyed hash of virtual keys; generated and kept in the store when absent. */
    key_secret: z.string().min(16).optional(),
    store: storeSchema.default({ kind: 'sqlite', path: './.tollgate/ledger.db' }),
    limits: limitsSchema.default({ kind: 'memory' }),
    ledger: z
      .object({
        flush_ms: z.number().int().positive().max(1000).default(50),
        store_prompts: z.boolean().default(false),
      })
      .strict()
      .default({ flush_ms: 50, store_prompts: false }),
    pricing: z
      .object({ allow_unpriced: z.boolean().default(false) })
      .strict()
      .default({ allow_unpriced: false }),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** The organisation every call belongs to (the "org" budget scope). */
    org: z.string().default('default'),
    /** Calendar periods of budgets are aligned in this IANA time zone. */
    timezone: z
      .string()
      .default('UTC')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'not an IANA time zone'),
    budgets: z.array(budgetConfigSchema).default([]),
    rate_limits: z.array(rateLimitSchema).default([]),
    /**
     * Protection for keys nobody configured: every key that is not created `unlimited` gets these
     * (as scope key:*), and calls without max_tokens get `max_tokens` injected so their worst case is bounded.
     */
    defaults: z
      .object({
        key_budget: z.object({ limit_usd: limitUsdSchema, period: z.enum(['day', 'week', 'month', 'year', 'none']) }).strict().nullable().default({ limit_usd: 50, period: 'month' }),
        key_rate_limit: z.object({ rpm: z.number().int().positive().optional(), tpm: z.number().int().positive().optional(), concurrent: z.number().int().positive().optional() }).strict().nullable().default({ rpm: 600, concurrent: 50 }),
        max_tokens: z.number().int().positive().default(4096),
        /** The smallest max_tokens a clamp may shrink a call to before refusing it instead. */
        min_clamp_tokens: z.number().int().positive().default(16),
      })
      .strict()
      .default({ key_budget: { limit_usd: 50, period: 'month' }, key_rate_limit: { rpm: 600, concurrent: 50 }, max_tokens: 4096, min_clamp_tokens: 16 }),
    alerts: z
      .object({
        webhook_url: z.string().url().optional(),
        retries: z.number().int().min(0).max(10).default(3),
        timeout_ms: z.number().int().positive().default(5000),
        /** How often budgets are forecast to alert those projected to run out early; 0 turns it off. */
        forecast_every_ms: z.number().int().min(0).default(3_600_000),
      })
      .strict()
      .default({ retries: 3, timeout_ms: 5000, forecast_every_ms: 3_600_000 }),
    /** How long a reservation lives unless renewed; a dead gateway's reservations expire after this. */
    reservation_lease_ms: z.number().int().min(1000).default(120_000),
    /** Route rules, in order; the first that matches decides (see docs in src/policy/routes.ts). */
    routes: z.array(routeSchema).default([]),
    /** Fallback circuit breaker: a target failing this many times in a row is skipped for cooldown_ms, then one call probes it (half-open). */
    circuit_breaker: z
      .object({ failures: z.number().int().positive().default(5), cooldown_ms: z.number().int().positive().default(30_000) })
      .strict()
      .default({ failures: 5, cooldown_ms: 30_000 }),
    /** The run guard: caps per run, loop detectors, escalation (see src/guard/config.ts). */
    guard: guardConfigSchema.prefault({}),
    /** Prometheus metrics (see src/telemetry/config.ts). */
    metrics: metricsConfigSchema.prefault({}),
    /** OpenTelemetry export, one span per call; absent means off (its modules are then never loaded). */
    otel: otelConfigSchema.optional(),
    /** The waste report's rules (src/analytics/README.md). */
    waste: wasteConfigSchema.prefault({}),
    /** ROI's low-value usage flags (src/analytics/README.md). */
    roi: roiConfigSchema.prefault({}),
    /** Importing history (Claude Code transcripts, provider reports): attribution (src/import/config.ts). */
    import: importConfigSchema.prefault({}),
    /** Comparing provider usage reports with the ledger: which provider keys are the gateway's. */
    reconcile: reconcileConfigSchema.prefault({}),
    providers: z.record(z.string(), providerSchema).default({}),
    models: z.record(z.string(), modelSchema).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    cfg.routes.forEach((r, i) => {
      for (const m of [r.serve, ...(r.fallback ?? []), ...(r.split ?? []).map((x) => x.model)]) {
        if (m !== undefined && !(m in cfg.models)) {
          ctx.addIssue({ code: 'custom', path: ['routes', i], message: `route ${r.name ?? i} serves "${m}", which is not under models:` });
        }
      }
    });
    const cheap = cfg.waste.oversized?.cheap_model;
    if (cheap !== undefined && !(cheap in cfg.models)) {
      ctx.addIssue({ code: 'custom', path: ['waste', 'oversized', 'cheap_model'], message: `"${cheap}" is not under models:` });
    }
    for (const [name, model] of Object.entries(cfg.models)) {
      if (!(model.provider in cfg.providers)) {
        ctx.addIssue({
          code: 'custom',
          path: ['models', name, 'provider'],
          message: `model "${name}" names provider "${model.provider}", which is not under providers:`,
        });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type PriceConfig = z.infer<typeof priceSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type BudgetConfig = z.infer<typeof budgetConfigSchema>;
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
