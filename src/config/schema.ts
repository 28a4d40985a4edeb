/** The shape of tollgate.yaml, as a zod schema; `Config` is inferred from it. */
import { z } from 'zod';

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
  z.object({ kind: z.literal('postgres'), url: z.string().min(1), pool_size: z.number().int().positive().default(10) }).strict(),
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
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
