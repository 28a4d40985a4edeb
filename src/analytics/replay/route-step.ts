/**
 * Routing and the response cache in replay: the route rules' pure choice (policy/routes.ts) with the
 * inputs planRoute gives it, and the in-process cache store keyed by the request fingerprint (the
 * ledger's requestHash: byte-identical requests) in the rule's scope, with the gateway's TTL and
 * bounds. Circuit breakers are not replayed (they follow provider health, not policy).
 */
import { isCacheable, MemoryCacheStore, type CachedResponse } from '../../cache/index.js';
import { chooseRoute, type RouteInput } from '../../policy/routes.js';
import type { ReplayInput } from './call-input.js';
import type { ReplayPolicy } from './policy.js';

export interface Routed {
  targets: string[];
  /** "rule:<name>" when the first target is not the requested model. */
  label: string | null;
  cache: { key: string; ttlMs: number } | null;
}

export class RouteStep {
  private readonly cache: MemoryCacheStore;
  /**
   * The rules' input, refilled per call rather than made: chooseRoute reads it while choosing, and
   * later only for a decision's `reason`, which replay never reads.
   */
  private readonly input: RouteInput = { requested: '', keyId: '', team: '', user: null, project: null, tags: NO_TAGS, agent: null, header: null, promptBytes: 0, hasTools: false, hasImages: false, embeddings: false, budgetUsedPct: null, stickyKey: '' };

  /** The answer, refilled per call: the engine reads it at once and keeps only its `cache` (a new object a call). */
  private readonly routed: Routed = { targets: [], label: null, cache: null };
  /** "rule:<name>" by rule name, made once. */
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly p: ReplayPolicy,
    private readonly usedPct: (x: ReplayInput, now: number) => number | null,
  ) {
    // The gateway writes two entries per answer (exact bytes and canonical form): half as many answers fit.
    this.cache = new MemoryCacheStore({ maxEntries: Math.ceil(p.cacheEntries / 2), maxBytes: Number.MAX_SAFE_INTEGER });
  }

  /** The targets, or null when the model is neither configured nor routed (unknown_model live). Read it before the next call. */
  route(x: ReplayInput, now: number): Readonly<Routed> | null {
    const r = x.row;
    const out = this.routed;
    if (this.p.routes.length === 0) {
      if (!this.p.rates.has(x.requested)) return null;
      out.targets = [x.requested];
      out.label = null;
      out.cache = null;
      return out;
    }
    const q = this.input;
    q.requested = x.requested;
    q.keyId = r.keyId;
    q.team = r.team;
    q.user = r.user;
    q.project = r.project;
    q.tags = r.tags ? r.tags.split(',') : NO_TAGS;
    q.agent = r.agent;
    q.header = x.routeHeader;
    q.promptBytes = x.bytes;
    q.hasTools = x.tools;
    q.hasImages = x.images;
    q.embeddings = r.endpoint === 'embeddings';
    q.budgetUsedPct = this.p.routesNeedBudget ? this.usedPct(x, now) : null;
    q.stickyKey = r.run ?? r.id;
    const d = chooseRoute(this.p.routes, this.p.routeModels, q);
    if (d.rule === null && !this.p.rates.has(x.requested)) return null;
    if (!this.p.rates.has(d.targets[0]!)) return null;
    let cache: Routed['cache'] = null;
    if (d.cache && isCacheable(r.endpoint) && !x.noCache && r.requestHash !== null) {
      const scope = d.cache.scope === 'key' ? `key:${r.keyId}` : d.cache.scope === 'team' ? `team:${r.team}` : `org:${this.p.org}`;
      cache = { key: `${scope}:${d.targets[0]!}:${r.requestHash}`, ttlMs: d.cache.ttlSeconds * 1000 };
    }
    out.targets = d.targets;
    out.label = d.rule !== null && d.targets[0] !== x.requested ? this.label(d.ruleName!) : null;
    out.cache = cache;
    return out;
  }

  private label(rule: string): string {
    let l = this.labels.get(rule);
    if (l === undefined) this.labels.set(rule, (l = `rule:${rule}`));
    return l;
  }

  hit(key: string, now: number): boolean {
    return this.cache.getNow(key, now) !== null;
  }

  store(key: string, x: ReplayInput, model: string, ttlMs: number, now: number): void {
    const entry: CachedResponse = { api: x.row.endpoint === 'messages' ? 'anthropic' : 'openai', model, body: '', usage: x.usage, createdAt: now };
    this.cache.setNow(key, entry, ttlMs, now);
  }
}

const NO_TAGS: readonly string[] = Object.freeze([]);
