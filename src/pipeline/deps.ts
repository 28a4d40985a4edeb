/** What the pipeline's stages need from the running gateway, wired by main.ts. */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { KeyDirectory } from '../keys/key-directory.js';
import type { ModelRates } from '../pricing/price-book.js';
import type { ProviderRuntime } from '../providers/registry.js';
import type { Store } from '../storage/types.js';
import type { Recorder } from './record.js';
import type { RouteModel } from '../policy/routes.js';
import type { Circuits } from './circuits.js';
import type { ResponseCacheStore } from '../cache/index.js';
import type { CallContext } from './context.js';
import type { BudgetDirectory } from '../budgets/budget-directory.js';
import type { Limiter } from '../budgets/limiter.js';
import type { LimitPlans } from '../budgets/limit-plans.js';
import type { AlertSender } from '../budgets/alerts.js';
import type { ForecastWatch } from '../budgets/forecast-watch.js';
import type { RateLimitConfig } from '../config/schema.js';
import type { GuardConfig } from '../guard/index.js';
import type { RunLocks, RunStore } from '../storage/run-types.js';
import type { Telemetry } from '../telemetry/index.js';

export interface ModelRuntime {
  name: string;
  upstreamModel: string;
  provider: ProviderRuntime;
  rates: ModelRates | null;
  /** At most this many prompt tokens an image (pricing/image-tokens.ts). */
  imageTokens: number;
  /** At most this many prompt tokens a web search's results (pipeline/server-tools.ts). */
  webSearchTokens: number;
}

export interface GatewayDeps {
  config: Config;
  log: Logger;
  keys: KeyDirectory;
  keySecret: string;
  models: Map<string, ModelRuntime>;
  store: Store;
  recorder: Recorder;
  budgets: BudgetDirectory;
  rateLimits: ReadonlyMap<string, readonly RateLimitConfig[]>;
  /** The limits each call reserves on (planned once per attribution and window). */
  limitPlans: LimitPlans;
  limiter: Limiter;
  alerts: AlertSender;
  /** Alert flags this instance has already seen claimed (saves a round trip per call). */
  alertsClaimed: Set<string>;
  guard: { config: GuardConfig; store: RunStore; locks: RunLocks; ttlMs: number };
  /** Models as the route rules see them (capabilities, a cost score). */
  routeModels: RouteModel[];
  /** Whether any route rule looks at budget utilisation (only then is it computed). */
  routesNeedBudget: boolean;
  budgetUsedPct: (ctx: CallContext) => number | null;
  circuits: Circuits;
  /** The response cache for routes that ask for it. */
  cache: ResponseCacheStore;
  /** Whether cross-format translation is available (an OpenAI client served by an Anthropic model, and back). */
  canTranslate: boolean;
  /** Metrics and traces, told about every ledger row. */
  telemetry: Telemetry;
  /** Budget forecasts (admin API) and the alerts they raise. */
  forecasts: ForecastWatch;
  /** Injected so tests and replay can control time. */
  now: () => number;
}
