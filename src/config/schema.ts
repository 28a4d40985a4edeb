/** The shape of tollgate.yaml, as a zod schema; `Config` is inferred from it. */
import { z } from 'zod';
import { guardConfigSchema } from '../guard/config.js';

const priceSchema = z
  .object({
    input_per_mtok: z.number().nonnegative(),
    output_per_mtok: z.number().nonnegative(),
    cached_input_per_mtok: z.number().nonnegative().optional(),
    cache_write_per_mtok: z.number().nonnegative().optional(),
    cache_write_1h_per_mtok: z.number().nonnegative().optional(),
    reasoning_per_mtok: z.number().nonnegative().optional(),
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
  })
  .strict();

const modelSchema = z
  .object({
    provider: z.string(),
    /** The model name sent upstream, when it differs from the name clients use. */
    upstream_model: z.string().optional(),
    price: priceSchema.optional(),
  })
  .strict();

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
  .regex(/^(org|(team|user|project|key|tag|run):([^\s:]{1,200}))$/, 'a scope is "org" or kind:value with kind team|user|project|key|tag|run (value "*" means each one separately)');

export const budgetConfigSchema = z
  .object({
    scope: scopeSchema,
    limit_usd: z.number().nonnegative(),
    period: z.enum(['day', 'week', 'month', 'year', 'none']).default('month'),
    limit_tokens: z.number().int().positive().optional(),
    alert_at: z.array(z.number().positive().max(1000)).default([]),
    downgrade: z.object({ at_pct: z.number().positive().max(1000), model: z.string() }).strict().optional(),
    clamp: z.boolean().default(false),
  })
  .strict();

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
      })
      .strict()
      .default({ host: '127.0.0.1', port: 4000, max_body_bytes: 4 * 1024 * 1024 }),
    admin_key: z.string().optional(),
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
        key_budget: z.object({ limit_usd: z.number().nonnegative(), period: z.enum(['day', 'week', 'month', 'year', 'none']) }).strict().nullable().default({ limit_usd: 50, period: 'month' }),
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
      })
      .strict()
      .default({ retries: 3, timeout_ms: 5000 }),
    /** How long a reservation lives unless renewed; a dead gateway's reservations expire after this. */
    reservation_lease_ms: z.number().int().min(1000).default(120_000),
    /** The run guard: caps per run, loop detectors, escalation (see src/guard/config.ts). */
    guard: guardConfigSchema.prefault({}),
    providers: z.record(z.string(), providerSchema).default({}),
    models: z.record(z.string(), modelSchema).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
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
export type BudgetConfig = z.infer<typeof budgetConfigSchema>;
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
