/**
 * Route rules: which model serves a call. Rules are evaluated in order and the first that matches
 * decides; a rule's action is one of serve, split (weighted, sticky per run), fallback (a chain) or
 * cheapest (the cheapest model that satisfies stated needs), optionally with a response cache.
 * Pure: everything the decision needs is passed in, so `tollgate routes test` and replay use it too.
 */
import type { RouteConfig } from '../config/schema.js';

export interface RouteModel {
  name: string;
  tier: number;
  tools: boolean;
  vision: boolean;
  contextWindow: number | null;
  /** Nano-dollars for a call of this shape (for ranking "cheapest"); null when unpriced. */
  costScore: number | null;
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

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** The conditions of a rule that hold, or null as soon as one does not. */
function matches(rule: RouteConfig, x: RouteInput): string[] | null {
  const m = rule.match;
  const why: string[] = [];
  const one = (name: string, want: string | string[] | undefined, have: string | null): boolean => {
    const w = list(want);
    if (!w) return true;
    if (have === null || !w.includes(have)) return false;
    why.push(`${name}=${have}`);
    return true;
  };
  if (!one('model', m.model, x.requested)) return null;
  if (!one('key', m.key, x.keyId)) return null;
  if (!one('team', m.team, x.team)) return null;
  if (!one('user', m.user, x.user)) return null;
  if (!one('project', m.project, x.project)) return null;
  if (!one('agent', m.agent, x.agent)) return null;
  if (!one('header', m.header, x.header)) return null;
  if (m.tags) {
    if (!m.tags.every((t) => x.tags.includes(t))) return null;
    why.push(`tags⊇[${m.tags.join(',')}]`);
  }
  if (m.prompt_tokens) {
    const est = Math.ceil(x.promptBytes / 4);
    if (m.prompt_tokens.gt !== undefined && !(est > m.prompt_tokens.gt)) return null;
    if (m.prompt_tokens.lt !== undefined && !(est < m.prompt_tokens.lt)) return null;
    why.push(`prompt≈${est} tokens`);
  }
  if (m.tools !== undefined) {
    if (m.tools !== x.hasTools) return null;
    why.push(`tools=${x.hasTools}`);
  }
  if (m.images !== undefined) {
    if (m.images !== x.hasImages) return null;
    why.push(`images=${x.hasImages}`);
  }
  if (m.budget_used_pct) {
    const u = x.budgetUsedPct;
    if (u === null) return null;
    if (m.budget_used_pct.gte !== undefined && !(u >= m.budget_used_pct.gte)) return null;
    if (m.budget_used_pct.lt !== undefined && !(u < m.budget_used_pct.lt)) return null;
    why.push(`budget used ${u.toFixed(1)}%`);
  }
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
      m.tier >= (need.min_tier ?? 0) &&
      (!(need.tools ?? x.hasTools) || m.tools) &&
      (!(need.vision ?? x.hasImages) || m.vision) &&
      (m.contextWindow === null || m.contextWindow >= Math.max(need.min_context ?? 0, promptTokens)),
  );
  ok.sort((a, b) => a.costScore! - b.costScore! || a.name.localeCompare(b.name));
  return ok[0]?.name ?? null;
}

export function chooseRoute(rules: readonly RouteConfig[], models: readonly RouteModel[], x: RouteInput): RouteDecision {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const why = matches(rule, x);
    if (why === null) continue;
    const name = rule.name ?? `#${i + 1}`;
    const cache = rule.cache ? { ttlSeconds: rule.cache.ttl_seconds, scope: rule.cache.scope, maxEntries: rule.cache.max_entries } : null;
    const on = why.length ? why.join(', ') : 'everything';
    let targets: string[];
    let action: string;
    if (rule.serve) {
      targets = [rule.serve];
      action = `serve ${rule.serve}`;
    } else if (rule.split) {
      targets = [pickSplit(rule.split, x.stickyKey)];
      action = `split ${rule.split.map((s) => `${s.model}:${s.weight}`).join('/')} -> ${targets[0]}`;
    } else if (rule.fallback) {
      targets = [...rule.fallback];
      action = `fallback ${targets.join(' -> ')}`;
    } else if (rule.cheapest) {
      const pick = pickCheapest(rule.cheapest, models, x);
      if (pick === null) continue; // nothing satisfies: the next rule decides
      targets = [pick];
      action = `cheapest that satisfies -> ${pick}`;
    } else {
      targets = [x.requested];
      action = `serve ${x.requested} as requested`;
    }
    return { rule: i, ruleName: name, targets, cache, reason: `rule ${name} matched on ${on}: ${action}${cache ? `, cache ${cache.ttlSeconds}s per ${cache.scope}` : ''}` };
  }
  return { rule: null, ruleName: null, targets: [x.requested], cache: null, reason: `no rule matched: serve ${x.requested} as requested` };
}
