/**
 * Route rules: which model serves a call. Rules are evaluated in order and the first that matches
 * decides; a rule's action is one of serve, split (weighted, sticky per run), fallback (a chain) or
 * cheapest (the cheapest model that satisfies stated needs), optionally with a response cache.
 * Pure: everything the decision needs is passed in, so `tollgate routes test` and replay use it too.
 */
import type { ModelConfig, RouteConfig } from '../config/schema.js';
import { typicalCallCost, type ModelRates } from '../pricing/price-book.js';

export interface RouteModel {
  name: string;
  tier: number;
  tools: boolean;
  vision: boolean;
  contextWindow: number | null;
  /** An embedding model (it serves /v1/embeddings, not chat). */
  embedding: boolean;
  /** Nano-dollars for a call of this shape (for ranking "cheapest"); null when unpriced. */
  costScore: number | null;
}

/** A configured model as route rules see it (the gateway, `routes test` and replay alike). */
export function routeModel(name: string, c: ModelConfig, rates: ModelRates | null): RouteModel {
  return {
    name,
    tier: c.tier,
    tools: c.tools,
    vision: c.vision,
    contextWindow: c.context_window ?? null,
    embedding: (c.kind ?? (/embed/i.test(c.upstream_model ?? name) ? 'embedding' : 'chat')) === 'embedding',
    costScore: rates ? typicalCallCost(rates) : null,
  };
}

export interface RouteInput {
  requested: string;
  keyId: string;
  team: string;
  user: string | null;
  project: string | null;
  tags: readonly string[];
  agent: string | null;
  /** x-tollgate-route header. */
  header: string | null;
  promptBytes: number;
  hasTools: boolean;
  hasImages: boolean;
  /** The call is an embeddings request (served by embedding models only). */
  embeddings: boolean;
  /** Utilisation (%) of the tightest applicable budget as last seen, or null if unknown. */
  budgetUsedPct: number | null;
  /** Run id (or call id) so a weighted split is sticky per run. */
  stickyKey: string;
}

export interface RouteDecision {
  rule: number | null;
  ruleName: string | null;
  /** Primary first, then fallbacks. */
  targets: string[];
  cache: { ttlSeconds: number; scope: 'key' | 'team' | 'org'; maxEntries: number } | null;
  /** Why, for humans: which rule matched on what, and what it chose. */
  reason: string;
}

const holdsOne = (want: string | string[] | undefined, have: string | null): boolean =>
  want === undefined || (have !== null && (Array.isArray(want) ? want.includes(have) : want === have));

/** Whether every condition of the rule holds (checked per call and per rule: builds nothing). */
function holds(rule: RouteConfig, x: RouteInput): boolean {
  const m = rule.match;
  if (!holdsOne(m.model, x.requested) || !holdsOne(m.key, x.keyId) || !holdsOne(m.team, x.team) || !holdsOne(m.user, x.user)) return false;
  if (!holdsOne(m.project, x.project) || !holdsOne(m.agent, x.agent) || !holdsOne(m.header, x.header)) return false;
  if (m.tags && !m.tags.every((t) => x.tags.includes(t))) return false;
  if (m.prompt_tokens) {
    const est = Math.ceil(x.promptBytes / 4);
    if (m.prompt_tokens.gt !== undefined && !(est > m.prompt_tokens.gt)) return false;
    if (m.prompt_tokens.lt !== undefined && !(est < m.prompt_tokens.lt)) return false;
  }
  if (m.tools !== undefined && m.tools !== x.hasTools) return false;
  if (m.images !== undefined && m.images !== x.hasImages) return false;
  if (m.budget_used_pct) {
    const u = x.budgetUsedPct;
    if (u === null) return false;
    if (m.budget_used_pct.gte !== undefined && !(u >= m.budget_used_pct.gte)) return false;
    if (m.budget_used_pct.lt !== undefined && !(u < m.budget_used_pct.lt)) return false;
  }
  return true;
}

/** The conditions a rule that holds matched on, for its reason. */
function conditions(rule: RouteConfig, x: RouteInput): string[] {
  const m = rule.match;
  const why: string[] = [];
  const one = (name: string, want: string | string[] | undefined, have: string | null): void => {
    if (want !== undefined) why.push(`${name}=${have}`);
  };
  one('model', m.model, x.requested);
  one('key', m.key, x.keyId);
  one('team', m.team, x.team);
  one('user', m.user, x.user);
  one('project', m.project, x.project);
  one('agent', m.agent, x.agent);
  one('header', m.header, x.header);
  if (m.tags) why.push(`tags⊇[${m.tags.join(',')}]`);
  if (m.prompt_tokens) why.push(`prompt≈${Math.ceil(x.promptBytes / 4)} tokens`);
  if (m.tools !== undefined) why.push(`tools=${x.hasTools}`);
  if (m.images !== undefined) why.push(`images=${x.hasImages}`);
  if (m.budget_used_pct) why.push(`budget used ${x.budgetUsedPct!.toFixed(1)}%`);
  return why;
}

/** FNV-1a of the sticky key, in [0, 1). */
export function stickyFraction(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

function pickSplit(split: { model: string; weight: number }[], key: string): string {
  const total = split.reduce((s, x) => s + x.weight, 0);
  let at = stickyFraction(key) * total;
  for (const s of split) {
    if (at < s.weight) return s.model;
    at -= s.weight;
  }
  return split[split.length - 1]!.model;
}

function pickCheapest(need: NonNullable<RouteConfig['cheapest']>, models: readonly RouteModel[], x: RouteInput): string | null {
  const promptTokens = Math.ceil(x.promptBytes / 4);
  const ok = models.filter(
    (m) =>
      m.costScore !== null &&
      m.embedding === x.embeddings &&
      m.tier >= (need.min_tier ?? 0) &&
      (!(need.tools ?? x.hasTools) || m.tools) &&
      (!(need.vision ?? x.hasImages) || m.vision) &&
      (m.contextWindow === null || m.contextWindow >= Math.max(need.min_context ?? 0, promptTokens)),
  );
  ok.sort((a, b) => a.costScore! - b.costScore! || a.name.localeCompare(b.name));
  return ok[0]?.name ?? null;
}

/**
 * A decision whose `reason` is text built when read (replay decides a million calls and reads none):
 * a getter on the prototype, not on each decision (an object literal with its own getter and closure
 * per call cost replay more than choosing the rule). JSON gives the reason like an own property.
 */
class Decision implements RouteDecision {
  constructor(
    readonly rule: number | null,
    readonly ruleName: string | null,
    readonly targets: string[],
    readonly cache: RouteDecision['cache'],
    /** The rule that decided and the input it was read on; null: none matched, `requested` served. */
    private readonly matched: RouteConfig | null,
    private readonly x: RouteInput,
    /** The targets the reason names: a fallback chain as chosen, else `first`. */
    private readonly chain: string[] | null,
    private readonly first: string,
  ) {}

  get reason(): string {
    if (this.matched === null) return `no rule matched: serve ${this.first} as requested`;
    return ruleReason(this.matched, this.ruleName!, this.x, this.chain ?? [this.first], this.cache);
  }

  toJSON(): RouteDecision {
    return { rule: this.rule, ruleName: this.ruleName, targets: this.targets, cache: this.cache, reason: this.reason };
  }
}

/** The first rule that holds decides. Its `reason` is read from `x` when asked: pass an input nothing changes afterwards. */
export function chooseRoute(rules: readonly RouteConfig[], models: readonly RouteModel[], x: RouteInput): RouteDecision {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!holds(rule, x)) continue;
    const name = rule.name ?? `#${i + 1}`;
    const cache = rule.cache ? { ttlSeconds: rule.cache.ttl_seconds, scope: rule.cache.scope, maxEntries: rule.cache.max_entries } : null;
    let targets: string[];
    if (rule.serve) targets = [rule.serve];
    else if (rule.split) targets = [pickSplit(rule.split, x.stickyKey)];
    else if (rule.fallback) targets = [...rule.fallback];
    else if (rule.cheapest) {
      const pick = pickCheapest(rule.cheapest, models, x);
      if (pick === null) continue; // nothing satisfies: the next rule decides
      targets = [pick];
    } else targets = [x.requested];
    return new Decision(i, name, targets, cache, rule, x, rule.fallback ? targets.slice() : null, targets[0]!);
  }
  return new Decision(null, null, [x.requested], null, null, x, null, x.requested);
}

function ruleReason(rule: RouteConfig, name: string, x: RouteInput, targets: readonly string[], cache: RouteDecision['cache']): string {
  const why = conditions(rule, x);
  const on = why.length ? why.join(', ') : 'everything';
  let action: string;
  if (rule.serve) action = `serve ${rule.serve}`;
  else if (rule.split) action = `split ${rule.split.map((s) => `${s.model}:${s.weight}`).join('/')} -> ${targets[0]}`;
  else if (rule.fallback) action = `fallback ${targets.join(' -> ')}`;
  else if (rule.cheapest) action = `cheapest that satisfies -> ${targets[0]}`;
  else action = `serve ${x.requested} as requested`;
  return `rule ${name} matched on ${on}: ${action}${cache ? `, cache ${cache.ttlSeconds}s per ${cache.scope}` : ''}`;
}
