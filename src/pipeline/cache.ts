/**
 * Stage — the response cache, opt-in per route rule: an exact match on the canonical request, in a
 * scope (key, team or org; never across tenants). A hit is answered here, as JSON or replayed as a
 * well-formed stream, without reserving budget or calling a provider; its ledger row has zero cost
 * and records what it saved. A miss is stored once the provider answered in full.
 * `Cache-Control: no-cache` from the client bypasses the cache. Chat and Messages only (cache/ isCacheable).
 */
import { assembleResponse, cacheKey, isCacheable, replayAsStream } from '../cache/index.js';
import { anthropicOutput, openaiOutput } from '../providers/output.js';
import { bodyDigest, type CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';

function scopeOf(deps: GatewayDeps, ctx: CallContext, scope: 'key' | 'team' | 'org'): string {
  const a = ctx.attribution!;
  return scope === 'key' ? `key:${a.keyId}` : scope === 'team' ? `team:${a.team}` : `org:${deps.config.org}`;
}

function bypassed(ctx: CallContext): boolean {
  const cc = ctx.req.headers['cache-control'];
  return typeof cc === 'string' && /no-cache|no-store/i.test(cc);
}

/** Returns true when the call was answered from the cache. */
export async function serveFromCache(deps: GatewayDeps, ctx: CallContext): Promise<boolean> {
  const policy = ctx.route?.cache;
  if (!policy || !isCacheable(ctx.endpoint) || !ctx.target) return false;
  if (bypassed(ctx)) {
    ctx.res.setHeader('x-tollgate-cache', 'bypass');
    return false;
  }
  const scope = scopeOf(deps, ctx, policy.scope);
  // Fast path: the very same bytes (clients resend identical requests) hash without canonicalising.
  // (api and model are outside the digest, so they are spelled out; the digest covers endpoint and body.)
  const exact = `${scope}:raw:${ctx.api}:${ctx.target.model}:${bodyDigest(ctx)}`;
  let hit = await deps.cache.get(exact, deps.now()).catch(() => null);
  let key = exact;
  if (!hit) {
    key = cacheKey({ api: ctx.api, endpoint: ctx.endpoint, model: ctx.target.model, body: ctx.body, scope });
    hit = await deps.cache.get(key, deps.now()).catch(() => null);
  }
  ctx.cache = { key, exact, ttlMs: policy.ttlSeconds * 1000 };
  if (!hit) {
    ctx.res.setHeader('x-tollgate-cache', 'miss');
    return false;
  }
  ctx.cacheHit = true;
  ctx.routeLabel = 'cache';
  ctx.usage = { ...hit.usage };
  // The tier the original answer was billed at: the hit saves what that answer cost (meter.ts).
  ctx.serviceTier = hit.serviceTier ?? null;
  ctx.usageComplete = true;
  ctx.promptKnown = true;
  // Only the run guard reads what the model said; without it a hit skips parsing the cached body.
  if (deps.guard.config.enabled) ctx.output = ctx.api === 'openai' ? openaiOutput(Buffer.from(hit.body)) : anthropicOutput(Buffer.from(hit.body));
  const payload = ctx.stream ? replayAsStream(ctx.api, hit.body, { includeUsage: ctx.clientWantsUsage }) : hit.body;
  ctx.firstByteAt = deps.now();
  ctx.res.writeHead(200, {
    'content-type': ctx.stream ? 'text/event-stream; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-tollgate-call-id': ctx.id,
    'x-tollgate-model': ctx.target!.model,
    'x-tollgate-cache': 'hit',
  });
  ctx.res.end(payload);
  return true;
}

/** After a complete, successful call: keep its answer for the next identical request in scope. */
export async function storeInCache(deps: GatewayDeps, ctx: CallContext): Promise<void> {
  if (!ctx.cache || ctx.cacheHit || ctx.status !== 'ok' || !ctx.usageComplete || ctx.estimated || !ctx.target) return;
  // A clamped or downgraded answer is not the answer to the request as asked: not cached.
  if (ctx.clampedTo !== null || ctx.downgradedBy !== null || ctx.target.model !== ctx.route?.targets[0]) return;
  let body = ctx.responseBody;
  if (body === null && ctx.streamedAnswer) {
    const parts = ctx.streamedAnswer;
    const sse = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8');
    // null when the stream cannot be rebuilt exactly (cache/README.md): such an answer is not cached.
    body = assembleResponse({ api: ctx.api, sse, usage: ctx.usage });
  }
  if (body === null) return;
  const entry = { api: ctx.api, model: ctx.target.model, body, usage: { ...ctx.usage }, serviceTier: ctx.serviceTier, createdAt: deps.now() };
  const { key, exact, ttlMs } = ctx.cache;
  await Promise.all([deps.cache.set(key, entry, ttlMs, deps.now()), deps.cache.set(exact, entry, ttlMs, deps.now())]).catch((err: unknown) =>
    deps.log.warn({ err }, 'response cache write failed'),
  );
}
