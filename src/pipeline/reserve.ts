/**
 * Stage — reserve: before the provider is called, reserve the call's worst-case cost on every budget
 * and rate limit that applies, atomically, in one counter-store operation. Calls without an output
 * bound get `defaults.max_tokens` injected so the worst case is bounded. A budget may clamp the
 * output to what remains, or downgrade the model once past a threshold; otherwise the call is refused.
 */
import { GatewayError } from '../errors.js';
import { clampOutput, downgradeTarget, type PlannedLimit } from '../policy/limits.js';
import { pacingDowngrade } from '../policy/pacing.js';
import { pacingExceeded } from '../budgets/pace-alerts.js';
import { nanosToUsd } from '../pricing/money.js';
import { worstCaseNanos, type ModelRates } from '../pricing/price-book.js';
import { spliceField } from '../providers/json-splice.js';
import { DEFAULT_IMAGE_TOKENS } from '../pricing/image-tokens.js';
import type { AcquireResult, CounterState } from '../storage/counter-types.js';
import { bodyDigest, type CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { promptItems, route } from './route.js';
import { catchUp, enter } from './new-budgets.js';
import { DEFAULT_WEB_SEARCH_TOKENS, serverToolTokens, webSearchBound } from './server-tools.js';

/**
 * The output bound of the call (tokens, times `n` choices): the client's, else `defaults.max_tokens`,
 * which `inject` then writes into the request (so that the provider keeps to the bound reserved on).
 */
export function boundOutput(deps: GatewayDeps, ctx: CallContext, inject = true): number {
  if (ctx.endpoint === 'embeddings') return 0;
  const b = ctx.body;
  const n = typeof b['n'] === 'number' && b['n'] > 1 ? b['n'] : 1;
  if (ctx.endpoint === 'messages') return (b['max_tokens'] as number) * n;
  const given = (ctx.endpoint === 'responses' ? b['max_output_tokens'] : (b['max_completion_tokens'] ?? b['max_tokens'])) as number | null | undefined;
  if (typeof given === 'number') return given * n;
  if (inject) setMaxTokens(ctx, deps.config.defaults.max_tokens);
  return deps.config.defaults.max_tokens * n;
}

function setMaxTokens(ctx: CallContext, tokens: number): void {
  const b = ctx.body;
  let field: string;
  if (ctx.endpoint === 'messages') field = 'max_tokens';
  else if (ctx.endpoint === 'responses') field = 'max_output_tokens';
  else if (typeof b['max_completion_tokens'] === 'number') field = 'max_completion_tokens';
  else if (typeof b['max_tokens'] === 'number') field = 'max_tokens';
  else field = ctx.target?.provider.maxTokensField ?? 'max_tokens';
  const absent = !(field in b);
  b[field] = tokens;
  // The fingerprint is of the client's bytes, not of the bytes Tollgate rewrites.
  bodyDigest(ctx);
  // The common case (no bound given): splice the field into the client's bytes instead of re-serialising.
  ctx.rawBody = (absent ? spliceField(ctx.rawBody, field, tokens) : null) ?? Buffer.from(JSON.stringify(b));
}

/** Tokens per file or document part (a PDF by id or URL): its size is unknown here, so a large bound. */
const FILE_TOKENS = 100_000;
/** Providers add a system prompt when tools are offered. */
const TOOLS_TOKENS = 1_000;
/**
 * A Responses API call that continues a stored response or conversation (`previous_response_id`,
 * `conversation`) or names a stored prompt (`prompt`) sends only the new part: the provider prepends
 * the rest, which these bytes do not bound. So does each `item_reference` input item (a stored item
 * by id): each names an item of its own, of any size, so each counts this much.
 */
const STORED_CONTEXT_TOKENS = 100_000;

/**
 * Prompt tokens the request's bytes do not bound: the byte length bounds text (every token is at
 * least one byte), but an image or a file referenced by a few bytes costs many tokens, stored context
 * is prepended by the provider, and server tools' results (web searches, fetched pages) are input too.
 */
export function unseenPromptTokens(body: Record<string, unknown>, imageTokens = DEFAULT_IMAGE_TOKENS, searchTokens = DEFAULT_WEB_SEARCH_TOKENS): number {
  let extra = Array.isArray(body['tools']) && body['tools'].length > 0 ? TOOLS_TOKENS + serverToolTokens(body, searchTokens) : 0;
  if (body['previous_response_id'] || body['conversation'] || (typeof body['prompt'] === 'object' && body['prompt'] !== null)) extra += STORED_CONTEXT_TOKENS;
  extra += itemReferences(body) * STORED_CONTEXT_TOKENS;
  return extra + mediaPromptTokens(body, imageTokens);
}

/** The Responses API `input` items that reference a stored item by id. */
function itemReferences(body: Record<string, unknown>): number {
  const input = body['input'];
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const item of input) if ((item as { type?: unknown } | null)?.type === 'item_reference') n++;
  return n;
}

/**
 * The image and file parts' share of unseenPromptTokens: `imageTokens` (the model's image bound) for
 * every image part, FILE_TOKENS for every file or document part, tool results' parts included.
 * count_tokens adds it to the tokenized text, so its estimate holds what a reservation holds.
 */
export function mediaPromptTokens(body: Record<string, unknown>, imageTokens: number): number {
  let extra = 0;
  const messages = promptItems(body);
  if (!Array.isArray(messages)) return extra;
  for (const m of messages) {
    const item = m as { type?: unknown; content?: unknown; output?: unknown } | null;
    extra += partTokens(item, imageTokens) + partsTokens(item?.content, imageTokens);
    // A tool's result may carry images and files too (a Responses function_call_output's output list).
    if (item?.type === 'function_call_output' || item?.type === 'custom_tool_call_output') extra += partsTokens(item.output, imageTokens);
  }
  return extra;
}

/** Unseen prompt tokens of one content part: an image, a file, or an Anthropic tool_result holding them. */
function partTokens(part: unknown, imageTokens: number): number {
  const p = part as { type?: unknown; content?: unknown } | null;
  const t = p?.type;
  if (t === 'image_url' || t === 'image' || t === 'input_image') return imageTokens;
  if (t === 'file' || t === 'document' || t === 'input_file') return FILE_TOKENS;
  if (t === 'tool_result') return partsTokens(p!.content, imageTokens);
  return 0;
}

function partsTokens(parts: unknown, imageTokens: number): number {
  if (!Array.isArray(parts)) return 0;
  let n = 0;
  for (const part of parts) n += partTokens(part, imageTokens);
  return n;
}

/** The largest image and web search bounds of the models the call may be served by (its fallbacks included). */
function chainUnseenTokens(deps: GatewayDeps, ctx: CallContext): number {
  let image = 0;
  let search = 0;
  for (const name of ctx.route?.targets ?? [ctx.target!.model]) {
    const m = deps.models.get(name);
    image = Math.max(image, m?.imageTokens ?? DEFAULT_IMAGE_TOKENS);
    search = Math.max(search, m?.webSearchTokens ?? DEFAULT_WEB_SEARCH_TOKENS);
  }
  return unseenPromptTokens(ctx.body, image || DEFAULT_IMAGE_TOKENS, search || DEFAULT_WEB_SEARCH_TOKENS);
}

/** The worst case of a call no priced model serves. */
const NO_COST: ReturnType<typeof worstCaseNanos> = { total: 0, input: 0, outputPerToken: 0 };

/** The worst case of the call served by a model of these rates. */
function modelWorstCase(ctx: CallContext, rates: ModelRates, promptBound: number, maxOut: number): ReturnType<typeof worstCaseNanos> {
  const wc = worstCaseNanos(rates, promptBound, maxOut, ctx.body['service_tier']);
  const searches = webSearchBound(ctx.body);
  if (searches <= 0 || !rates.webSearchPerK) return wc;
  // Searches cost what they cost whatever the output: on the input side of the bound.
  const nanos = Math.ceil(searches * rates.webSearchPerK * 1e6);
  return { total: wc.total + nanos, input: wc.input + nanos, outputPerToken: wc.outputPerToken };
}

/** The worst case of the dearest model the call may be served by (its fallbacks included). */
function chainWorstCase(deps: GatewayDeps, ctx: CallContext, promptBound: number, maxOut: number): ReturnType<typeof worstCaseNanos> | null {
  let worst: ReturnType<typeof worstCaseNanos> | null = null;
  for (const name of ctx.route?.targets ?? [ctx.target!.model]) {
    const rates = deps.models.get(name)?.rates;
    if (!rates) continue;
    const wc = modelWorstCase(ctx, rates, promptBound, maxOut);
    if (!worst || wc.total > worst.total) worst = wc;
  }
  return worst;
}

export function totalTokens(ctx: CallContext): number {
  const u = ctx.usage;
  return u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h + u.output + u.reasoning;
}

function budgetExceeded(l: PlannedLimit, s: CounterState, requested: number): GatewayError {
  if (l.kind === 'budget_pace') return pacingExceeded(l, s, requested);
  const resets = l.window.end === Infinity ? null : new Date(l.window.end).toISOString();
  const tokens = l.kind === 'budget_tokens';
  const fmt = (v: number): string => (tokens ? `${v} tokens` : `$${nanosToUsd(v).toFixed(6)}`);
  return new GatewayError(
    'budget_exceeded',
    `Budget ${l.scope} (${l.budget!.period}) exceeded: limit ${fmt(l.limit)}, spent ${fmt(s.used)}, reserved ${fmt(s.reserved)}, ` +
      `this call needs up to ${fmt(requested)}` + (resets ? `; resets at ${resets}.` : '; it does not reset.'),
    {
      details: {
        budget: { id: l.budget!.id, scope: l.scope, period: l.budget!.period, unit: tokens ? 'tokens' : 'usd' },
        limit: tokens ? l.limit : nanosToUsd(l.limit),
        spent: tokens ? s.used : nanosToUsd(s.used),
        reserved: tokens ? s.reserved : nanosToUsd(s.reserved),
        requested: tokens ? requested : nanosToUsd(requested),
        resets_at: resets,
      },
    },
  );
}

function rateLimited(l: PlannedLimit, now: number): GatewayError {
  const retry = l.kind === 'concurrent' ? 1 : Math.max(1, Math.ceil((l.window.end - now) / 1000));
  const what = l.kind === 'rpm' ? 'requests per minute' : l.kind === 'tpm' ? 'tokens per minute' : 'concurrent requests';
  return new GatewayError('rate_limited', `Rate limit on ${l.scope} reached: ${l.limit} ${what}. Retry in ${retry} s.`, {
    details: { limit: { scope: l.scope, kind: l.kind, value: l.limit }, retry_after_seconds: retry },
  });
}

/**
 * Plan what the call must hold and, when any budget or rate limit applies, hold it. Returns null when
 * none applies or when the counters (in process) held it at once, so the pipeline does not wait a
 * turn of the event loop for nothing. A refusal always comes as the returned promise's rejection.
 */
export function reserve(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  // The budget set changed: the calls in flight reserve on the new budgets before any other call does.
  const catching = catchUp(deps);
  if (catching) return catching.then(() => reserveNow(deps, ctx) ?? undefined);
  return reserveNow(deps, ctx);
}

function reserveNow(deps: GatewayDeps, ctx: CallContext): Promise<void> | null {
  const a = ctx.attribution!;
  // The default bound is written into the request only when something is reserved on it (below): a
  // call no budget or rate limit covers is forwarded as the client sent it.
  const maxOut = boundOutput(deps, ctx, false);
  const extra = chainUnseenTokens(deps, ctx);
  const promptBound = ctx.rawBody.length + extra;
  ctx.seen.promptBound = promptBound;
  ctx.seen.outputBound = maxOut;
  const wc = chainWorstCase(deps, ctx, promptBound, maxOut) ?? NO_COST;
  const now = deps.now();
  ctx.limitsVersion = deps.limitPlans.version;
  ctx.worstNanos = wc.total;
  ctx.worstTokens = promptBound + maxOut;
  enter(deps, ctx);
  const limits = deps.limitPlans.limitsFor(a, ctx.key!.unlimited, now, { worstNanos: wc.total, worstTokens: promptBound + maxOut });
  if (limits.length === 0) return null;
  boundOutput(deps, ctx);
  const plan = { limits, wc, maxOut, extra, now };
  const res = deps.limiter.acquireNow(ctx.id, limits);
  if (res === null || !res.ok) return acquire(deps, ctx, plan, res);
  hold(deps, ctx, plan, res);
  return null;
}

/** What reserve() planned, for acquiring it. */
interface Plan {
  limits: PlannedLimit[];
  wc: ReturnType<typeof worstCaseNanos>;
  maxOut: number;
  extra: number;
  now: number;
}

/** Reserve (unless `first` is the answer already given) and, if refused, try a clamped output bound. */
async function acquire(deps: GatewayDeps, ctx: CallContext, plan: Plan, first: AcquireResult | null): Promise<void> {
  const { maxOut, extra, now } = plan;
  let { limits, wc } = plan;
  let res = first ?? (await deps.limiter.acquire(ctx.id, limits));
  if (!res.ok) {
    const failed = limits[res.index]!;
    if (failed.kind === 'rpm' || failed.kind === 'tpm' || failed.kind === 'concurrent') throw rateLimited(failed, now);
    // A budget past its downgrade threshold serves the cheaper model: a call that does not fit at the
    // requested model's worst case may fit at the cheaper one's, reserved (and served) instead.
    if (failed.kind !== 'budget_tokens') {
      const down = downgradeOnRefusal(deps, ctx, plan, res);
      if (down) {
        const downRes = await deps.limiter.acquire(ctx.id, down.limits);
        if (downRes.ok) {
          ctx.target = { ...down.target, requested: ctx.target!.requested };
          ctx.downgradedBy = down.budget;
          ctx.routeLabel = `downgrade:${down.budget}`;
          hold(deps, ctx, { limits: down.limits, wc: down.wc, maxOut, extra, now }, downRes);
          return;
        }
      }
    }
    // Clamped as the body goes upstream: with the output bound written in (the reservation's prompt
    // bound was measured before `defaults.max_tokens` was), which the clamped bound only shortens.
    const sent = ctx.rawBody.length + extra;
    const sentWc = chainWorstCase(deps, ctx, sent, maxOut) ?? NO_COST;
    const clamped = ctx.endpoint !== 'embeddings'
      ? clampOutput({ limits, before: res.before, inputWorstNanos: sentWc.input, outputNanosPerToken: sentWc.outputPerToken, promptTokens: sent, minTokens: deps.config.defaults.min_clamp_tokens, requested: maxOut })
      : null;
    if (clamped === null) throw budgetExceeded(failed, res.before[res.index]!, failed.amount);
    // The bound applies per choice: with n choices each gets an equal share of what remains.
    const n = typeof ctx.body['n'] === 'number' && ctx.body['n'] > 1 ? ctx.body['n'] : 1;
    const perChoice = Math.floor(clamped / n);
    if (perChoice < deps.config.defaults.min_clamp_tokens) throw budgetExceeded(failed, res.before[res.index]!, failed.amount);
    setMaxTokens(ctx, perChoice);
    const promptBound = ctx.rawBody.length + extra;
    wc = chainWorstCase(deps, ctx, promptBound, perChoice * n) ?? NO_COST;
    const tokens = promptBound + perChoice * n;
    limits = limits.map((l) => ({ ...l, amount: l.kind === 'budget_usd' || l.kind === 'budget_pace' ? wc.total : l.kind === 'budget_tokens' || l.kind === 'tpm' ? tokens : l.amount }));
    res = await deps.limiter.acquire(ctx.id, limits);
    if (!res.ok) throw budgetExceeded(limits[res.index]!, res.before[res.index]!, limits[res.index]!.amount);
    ctx.clampedTo = perChoice;
  }
  hold(deps, ctx, { limits, wc, maxOut, extra, now }, res);
}

/**
 * When a budget's downgrade (or a paced budget's) applies to a call refused at the requested model,
 * judged on the counters before the call: the limits to reserve at the downgrade model's worst case,
 * and the model. Null when none applies, the call may fall back (a route with several targets), or
 * the downgrade model is unusable or not cheaper.
 */
function downgradeOnRefusal(deps: GatewayDeps, ctx: CallContext, plan: Plan, res: AcquireResult): { limits: PlannedLimit[]; wc: ReturnType<typeof worstCaseNanos>; target: NonNullable<CallContext['target']>; budget: string } | null {
  const target = ctx.target!;
  if (ctx.route && ctx.route.targets.length > 1) return null;
  const dg = downgradeTarget(plan.limits, res.before) ?? pacingDowngrade(plan.limits, res.before);
  if (!dg || dg.model === target.model) return null;
  let cheaper: ReturnType<typeof route>;
  try {
    cheaper = route(deps, ctx.key!, ctx.api, dg.model);
  } catch (err) {
    deps.log.warn({ err, budget: dg.budget.id, model: dg.model }, 'downgrade target unusable; serving the requested model');
    return null;
  }
  if (!cheaper.rates) return null;
  const m = deps.models.get(cheaper.model);
  const prompt = ctx.rawBody.length + unseenPromptTokens(ctx.body, m?.imageTokens, m?.webSearchTokens);
  const wc = modelWorstCase(ctx, cheaper.rates, prompt, plan.maxOut);
  if (wc.total >= plan.wc.total) return null;
  const limits = plan.limits.map((l) => (l.kind === 'budget_usd' || l.kind === 'budget_pace' ? { ...l, amount: wc.total } : l));
  return { limits, wc, target: cheaper, budget: dg.budget.id };
}

/** The call holds its reservation: note it, and serve a cheaper model if a budget says so. */
function hold(deps: GatewayDeps, ctx: CallContext, plan: Plan, res: AcquireResult): void {
  const target = ctx.target!;
  const { limits, wc, maxOut } = plan;
  const n = typeof ctx.body['n'] === 'number' && ctx.body['n'] > 1 ? ctx.body['n'] : 1;
  ctx.reservation = { limits, worstNanos: wc.total, outputCap: ctx.clampedTo !== null ? ctx.clampedTo * n : maxOut };

  // Downgraded already: reserved at the cheaper model's worst case (acquire).
  if (ctx.downgradedBy !== null) return;
  const dg = downgradeTarget(limits, res.before) ?? pacingDowngrade(limits, res.before);
  if (dg && dg.model !== target.model && !(ctx.route && ctx.route.targets.length > 1)) {
    try {
      const cheaper = route(deps, ctx.key!, ctx.api, dg.model);
      const m = deps.models.get(cheaper.model);
      const cheaperPrompt = ctx.rawBody.length + unseenPromptTokens(ctx.body, m?.imageTokens, m?.webSearchTokens);
      const cheaperWorst = cheaper.rates ? worstCaseNanos(cheaper.rates, cheaperPrompt, ctx.reservation.outputCap, ctx.body['service_tier']).total : Infinity;
      // Only when the reservation still covers the cheaper model's worst case.
      if (cheaperWorst <= wc.total) {
        ctx.target = { ...cheaper, requested: target.requested };
        ctx.downgradedBy = dg.budget.id;
        ctx.routeLabel = `downgrade:${dg.budget.id}`;
      }
    } catch (err) {
      deps.log.warn({ err, budget: dg.budget.id, model: dg.model }, 'downgrade target unusable; serving the requested model');
    }
  }
}
