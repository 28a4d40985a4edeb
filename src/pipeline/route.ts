/**
 * Stage — route: which configured model serves the call. The route rules (policy/routes.ts) pick the
 * targets (a fallback chain has several); this stage checks the key may ask for the model, that the
 * target can be reached in the client's API shape, and that it is priced.
 */
import { GatewayError } from '../errors.js';
import { nearestModel } from '../policy/model-names.js';
import { utf8 } from './attribute.js';
import { chooseRoute } from '../policy/routes.js';
import type { ApiShape } from '../providers/types.js';
import type { KeyRecord } from '../storage/types.js';
import type { CallContext, RouteTarget } from './context.js';
import { assertTranslatable, canSendTo } from './translation.js';
import type { GatewayDeps } from './deps.js';

export function mayUse(key: KeyRecord, model: string): boolean {
  return key.models === null || key.models.includes(model);
}

/** A configured model as the target of a call in the client's API shape. */
export function resolveTarget(deps: GatewayDeps, api: ApiShape, model: string, requested: string): RouteTarget {
  const m = deps.models.get(model);
  if (!m) {
    throw new GatewayError('unknown_model', `The model "${model}" is not configured on this gateway.`, { details: { param: 'model' } });
  }
  if (m.provider.adapter.kind !== api && !deps.canTranslate) {
    throw new GatewayError('unsupported_format', `The model "${model}" is served by a ${m.provider.adapter.kind}-format provider; call it with that API shape.`, {
      details: { param: 'model' },
    });
  }
  if (!m.rates && !deps.config.pricing.allow_unpriced) {
    throw new GatewayError('unpriced_model', `The model "${model}" has no price: add price: under models.${model} or set pricing.allow_unpriced.`);
  }
  return { requested, model: m.name, upstreamModel: m.upstreamModel, provider: m.provider, rates: m.rates };
}

/** 404 for a model no configured model (nor route alias) has, naming the one of the key's it most likely meant. */
function unknownModel(deps: GatewayDeps, key: KeyRecord, requested: string, what: string): GatewayError {
  const near = nearestModel(requested, key.models?.filter((m) => deps.models.has(m)) ?? deps.models.keys());
  const hint = near === null ? ' GET /v1/models lists the models this key may use.' : ` Did you mean "${near}"?`;
  return new GatewayError('unknown_model', `The model "${requested}" is not ${what}.${hint}`, { details: { param: 'model' } });
}

/** Kept for callers that want a model as is (downgrades, tools). */
export function route(deps: GatewayDeps, key: KeyRecord, api: ApiShape, requested: string): RouteTarget {
  if (!deps.models.has(requested)) throw unknownModel(deps, key, requested, 'configured on this gateway');
  if (!mayUse(key, requested)) {
    throw new GatewayError('model_not_allowed', `This key may not use the model "${requested}".`, { details: { param: 'model' } });
  }
  return resolveTarget(deps, api, requested, requested);
}

/** The prompt's messages: chat and Messages `messages`, or the Responses API's `input` items. */
export function promptItems(body: Record<string, unknown>): unknown {
  return body['messages'] ?? body['input'];
}

export function hasImages(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (const m of messages) {
    const content = (m as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const t = (part as { type?: unknown } | null)?.type;
      if (t === 'image_url' || t === 'image' || t === 'input_image') return true;
    }
  }
  return false;
}

export function planRoute(deps: GatewayDeps, ctx: CallContext): void {
  const key = ctx.key!;
  const a = ctx.attribution!;
  const requested = ctx.body['model'] as string;
  const rules = deps.config.routes;
  ctx.seen.bytes = ctx.rawBody.length;
  if (rules.length === 0) {
    ctx.target = route(deps, key, ctx.api, requested);
    assertTranslatable(ctx, ctx.target);
    return;
  }
  const h = ctx.req.headers['x-tollgate-route'];
  const images = hasImages(promptItems(ctx.body));
  ctx.seen.images = images;
  const decision = chooseRoute(rules, deps.routeModels, {
    requested,
    keyId: a.keyId,
    team: a.team,
    user: a.user,
    project: a.project,
    tags: a.tags ? a.tags.split(',') : [],
    agent: a.agent,
    header: typeof h === 'string' ? utf8(h) : null,
    promptBytes: ctx.rawBody.length,
    hasTools: Array.isArray(ctx.body['tools']) && (ctx.body['tools'] as unknown[]).length > 0,
    hasImages: images,
    embeddings: ctx.endpoint === 'embeddings',
    budgetUsedPct: deps.routesNeedBudget ? deps.budgetUsedPct(ctx) : null,
    stickyKey: a.run ?? ctx.id,
  });
  if (decision.rule === null && !deps.models.has(requested)) {
    throw unknownModel(deps, key, requested, 'configured on this gateway, nor an alias of a route');
  }
  if (!mayUse(key, requested)) {
    throw new GatewayError('model_not_allowed', `This key may not use the model "${requested}".`, { details: { param: 'model' } });
  }
  const label = decision.rule === null ? null : `rule:${decision.ruleName}`;
  ctx.route = { targets: decision.targets, cache: decision.cache, reason: decision.reason, label };
  ctx.routeLabel = decision.targets[0] !== requested ? label : null;
  // Leave out the targets that cannot serve this request in the client's format (the Responses API on
  // an Anthropic-kind model, an OpenAI `n: 2` on one), unless none can (the call is then refused
  // below, as a single target would be): a fallback that could not be sent must not turn the primary's
  // retryable error into a 400. Then skip targets whose circuit is open unless it is the last left
  // (tried even while open: it is the only one able to serve the request).
  const serves = (t: string): boolean => {
    const m = deps.models.get(t);
    return m === undefined || canSendTo(deps, ctx, m);
  };
  const servable = decision.targets.length > 1 ? decision.targets.filter(serves) : decision.targets;
  const chain = servable.length > 0 ? servable : decision.targets;
  const now = deps.now();
  const usable = chain.filter((t, i) => i === chain.length - 1 || !deps.circuits.isOpen(t, now));
  ctx.route.targets = usable;
  ctx.target = resolveTarget(deps, ctx.api, usable[0]!, requested);
  assertTranslatable(ctx, ctx.target);
}
