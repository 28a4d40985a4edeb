/**
 * Wires a gateway from a config: store, keys, providers, price book, recorder, HTTP server.
 * No logic of its own. `startGateway` is what `tollgate start`, the tests and the benchmarks call.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Config } from './config/schema.js';
import { KeyDirectory } from './keys/key-directory.js';
import { resolveKeySecret } from './keys/key-service.js';
import type { GatewayDeps, ModelRuntime } from './pipeline/deps.js';
import { DEFAULT_WEB_SEARCH_TOKENS } from './pipeline/server-tools.js';
import { Recorder } from './pipeline/record.js';
import { resolveModelRates } from './pricing/model-rates.js';
import { routeModel, type RouteModel } from './policy/routes.js';
import { Circuits } from './pipeline/circuits.js';
import { MemoryCacheStore, type ResponseCacheStore } from './cache/index.js';
import type { CallContext } from './pipeline/context.js';
import { closeProviders, createProviders, type ProviderRuntime } from './providers/registry.js';
import { createApp, InflightCalls, type AppState } from './server/app.js';
import { answerClientError } from './server/client-error.js';
import { openCounters, openStore } from './storage/index.js';
import { AlertSender } from './budgets/alerts.js';
import { BudgetDirectory } from './budgets/budget-directory.js';
import { syncConfigBudgets } from './budgets/budget-service.js';
import { Limiter } from './budgets/limiter.js';
import { LimitPlans } from './budgets/limit-plans.js';
import { ForecastWatch } from './budgets/forecast-watch.js';
import { RollupSpendHistory } from './analytics/spend-history.js';
import type { RateLimitConfig } from './config/schema.js';
import { MemoryRunStore } from './storage/memory/run-store.js';
import { RunLocks, type RunStore } from './storage/run-types.js';
import { Telemetry } from './telemetry/index.js';
import { imageTokenBound } from './pricing/image-tokens.js';

/** A run's guard state is forgotten after this long without a call. */
const RUN_STATE_TTL_MS = 6 * 3_600_000;

export interface Gateway {
  url: string;
  port: number;
  server: Server;
  deps: GatewayDeps;
  /** Stop accepting, let in-flight calls finish (up to `graceMs`), flush the ledger, close the store. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  now?: () => number;
  host?: string;
  port?: number;
}

export async function buildModels(config: Config, providers: Map<string, ProviderRuntime>, log: Logger): Promise<Map<string, ModelRuntime>> {
  const models = new Map<string, ModelRuntime>();
  const allRates = await resolveModelRates(config);
  for (const [name, m] of Object.entries(config.models)) {
    const provider = providers.get(m.provider)!;
    const rates = allRates.get(name) ?? null;
    if (!rates) log.warn({ model: name }, 'no price known for this model (add price: in the config)');
    const upstreamModel = m.upstream_model ?? name;
    models.set(name, { name, upstreamModel, provider, rates, imageTokens: m.image_tokens ?? imageTokenBound(upstreamModel), webSearchTokens: m.web_search_tokens ?? DEFAULT_WEB_SEARCH_TOKENS });
  }
  return models;
}

export async function startGateway(config: Config, opts: StartOptions = {}): Promise<Gateway> {
  const log = opts.log ?? pino({ level: config.log.level });
  const now = opts.now ?? Date.now;
  const store = await openStore(config.store);
  const keySecret = await resolveKeySecret(config, store);
  const keys = new KeyDirectory(store);
  await keys.start();
  const providers = createProviders(config.providers);
  const models = await buildModels(config, providers, log);
  // Rows the store refuses at shutdown wait beside the SQLite ledger, or in ./.tollgate for Postgres.
  const spillDir = config.store.kind === 'sqlite' ? (config.store.path === ':memory:' ? null : dirname(config.store.path)) : resolve('.tollgate');
  const recorder = new Recorder(store, log, config.ledger.flush_ms, spillDir);
  recorder.start();
  await syncConfigBudgets(store, config, now());
  const budgets = new BudgetDirectory(store);
  await budgets.start();
  const rateLimits = new Map<string, RateLimitConfig[]>();
  for (const rl of config.rate_limits) rateLimits.set(rl.scope, [...(rateLimits.get(rl.scope) ?? []), rl]);
  const counters = await openCounters(config.limits);
  const limiter = new Limiter({
    counters, store, log, leaseMs: config.reservation_lease_ms, fail: config.limits.kind === 'redis' ? config.limits.fail : null, now,
    beforeSeed: () => recorder.flush().catch(() => undefined),
  });
  limiter.start();
  const telemetry = await Telemetry.open({ metrics: config.metrics, otel: config.otel, budgets: { budgets, limiter, timezone: config.timezone, now }, log });
  const alerts = new AlertSender({ url: config.alerts.webhook_url, retries: config.alerts.retries, timeoutMs: config.alerts.timeout_ms }, log);

  const forecasts = new ForecastWatch({
    budgets, store, history: new RollupSpendHistory(store), alerts, claim: (k, ttl) => limiter.claim(k, ttl),
    timezone: config.timezone, now, everyMs: config.alerts.forecast_every_ms, log,
  });
  forecasts.start();

  // Redis-backed stores (and ioredis itself) are loaded only when the config asks for Redis.
  const runStore: RunStore =
    config.limits.kind === 'redis'
      ? new (await import('./storage/redis/run-store.js')).RedisRunStore({ url: config.limits.url, prefix: config.limits.prefix })
      : new MemoryRunStore(100_000, now);
  const guard = { config: config.guard, store: runStore, locks: new RunLocks(), ttlMs: RUN_STATE_TTL_MS };

  const cacheEntries = Math.max(1000, ...config.routes.map((r) => r.cache?.max_entries ?? 0));
  const responseCache: ResponseCacheStore =
    config.limits.kind === 'redis' && config.routes.some((r) => r.cache)
      ? new (await import('./cache/redis-store.js')).RedisCacheStore({ url: config.limits.url, prefix: config.limits.prefix })
      : new MemoryCacheStore({ maxEntries: cacheEntries, maxBytes: 64 * 1024 * 1024 });
  const routeModels: RouteModel[] = [...models.values()].map((m) => routeModel(m.name, config.models[m.name]!, m.rates));
  const limitPlans = new LimitPlans({ config, budgets, rateLimits });
  const budgetUsedPct = (ctx: CallContext): number | null => {
    const planned = limitPlans.limitsFor(ctx.attribution!, ctx.key!.unlimited, now(), { worstNanos: 0, worstTokens: 0 });
    return limiter.lastUtilisation(planned.filter((l) => l.kind === 'budget_usd').map((l) => l.key));
  };

  const deps: GatewayDeps = {
    config,
    log,
    keys,
    keySecret,
    models,
    store,
    recorder,
    budgets,
    rateLimits,
    limitPlans,
    limiter,
    alerts,
    alertsClaimed: new Set(),
    guard,
    routeModels,
    routesNeedBudget: config.routes.some((r) => r.match.budget_used_pct !== undefined),
    budgetUsedPct,
    circuits: new Circuits({ failures: config.circuit_breaker.failures, cooldownMs: config.circuit_breaker.cooldown_ms }),
    canTranslate: true,
    cache: responseCache,
    telemetry,
    forecasts,
    now,
  };
  const state: AppState = { shuttingDown: false, inflight: new InflightCalls() };
  const requestTimeout = config.server.request_timeout_ms;
  const server = createServer(
    {
      keepAliveTimeout: 65_000,
      requestTimeout,
      headersTimeout: Math.min(60_000, requestTimeout),
      // node:http looks for late requests only this often (30 s by default), so a request could take up
      // to 30 s past request_timeout_ms before its 408: look at least every second (a tenth of a short timeout).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 10))),
    },
    createApp(deps, state),
  );
  server.on('clientError', answerClientError);
  const host = opts.host ?? config.server.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.server.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000): Promise<void> => {
    closing ??= (async () => {
      state.shuttingDown = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await stopped;
      clearTimeout(timer);
      // Calls cut at the grace limit still meter, settle and record: wait for them before closing.
      await Promise.race([state.inflight.idle(), new Promise((r) => setTimeout(r, 5_000).unref())]);
      keys.stop();
      budgets.stop();
      await forecasts.stop();
      await recorder.close();
      await telemetry.close();
      await limiter.close();
      await runStore.close();
      await responseCache.close();
      await alerts.close();
      await closeProviders(providers);
      await store.close();
    })();
    return closing;
  };

  return { url: `http://${host}:${port}`, port, server, deps, close };
}
