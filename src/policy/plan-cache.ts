/**
 * planLimits once per attribution and period window instead of once per call (the gateway's reserve
 * stage and replay both plan through it).
 * Which limits apply to a call depends only on its attribution (the parts of it some budget or rate
 * limit is keyed on) and on the windows `now` falls in; the amounts are the call's worst case and the
 * TTLs follow `now`. So the plan of the first call of an attribution in a window is kept as a template,
 * and each call gets a fresh copy with its own amounts and TTLs (the formulas of policy/limits.ts and
 * policy/pacing.ts): the same limits, in the same order, with the same (interned) key strings, so the
 * counter store's lookups hit cached string hashes.
 */
import type { RateLimitConfig } from '../config/schema.js';
import type { BudgetRecord } from '../storage/types.js';
import { planLimits, type PlanInput, type PlannedLimit } from './limits.js';
import type { PeriodWindow } from './period.js';

/** What planning depends on besides the call: fixed for the cache's life (a new budget set, a new cache). */
export interface PlanPolicy {
  org: string;
  timezone: string;
  budgetsByScope: ReadonlyMap<string, readonly BudgetRecord[]>;
  rateLimitsByScope: ReadonlyMap<string, readonly RateLimitConfig[]>;
  defaultRateLimit: PlanInput['defaultRateLimit'];
}

/** The call's attribution, as the ledger row and the gateway's call context both carry it (tags comma-joined). */
export interface PlanAttribution {
  team: string;
  keyId: string;
  user: string | null;
  project: string | null;
  tags: string | null;
  run: string | null;
}

interface Template {
  limits: PlannedLimit[];
  /** The template holds while from <= now < until (every budget window of its limits). */
  from: number;
  until: number;
  /** Per rpm/tpm limit (else null): its key without the minute, and the last minute's window and key. */
  minutes: ({ prefix: string; minute: number; window: PlannedLimit['window']; key: string } | null)[];
}

const TEN_YEARS_S = 10 * 365 * 86_400;
const MINUTE = 60_000;
const EMPTY = new Map<string, never[]>();
const SEP = '\u0000';
const NULL = '\u0001';

export class PlanCache {
  /**
   * Templates by the call's flags (rate limits, unlimited), team, key and then the rest of the
   * attribution some limit is keyed on: nested maps, so a lookup builds no key string.
   */
  private readonly templates: Map<string, Map<string, Map<string, Template>>>[] = [new Map(), new Map(), new Map(), new Map()];
  private size = 0;
  /** Attribution parts no budget or rate limit is keyed on change nothing: left out of the cache key. */
  private readonly uses: { user: boolean; project: boolean; tags: boolean; run: boolean };

  constructor(private readonly p: PlanPolicy) {
    const scopes = [...p.budgetsByScope.keys(), ...p.rateLimitsByScope.keys()];
    const has = (kind: string): boolean => scopes.some((s) => s.startsWith(`${kind}:`));
    this.uses = { user: has('user'), project: has('project'), tags: has('tag'), run: has('run') };
  }

  /**
   * Exactly planLimits' answer for this call: fresh objects the caller may keep and change, or, given
   * `into` (an answer of an earlier call its caller is done with: replay), that array and its limits
   * refilled where they are of the same kind (no objects per call).
   */
  limitsFor(r: PlanAttribution, unlimited: boolean, rateLimits: boolean, now: number, worstNanos: number, worstTokens: number, into?: PlannedLimit[]): PlannedLimit[] {
    const u = this.uses;
    const rest = u.user || u.project || u.tags || u.run
      ? (u.user ? SEP + (r.user ?? NULL) : '') + (u.project ? SEP + (r.project ?? NULL) : '') + (u.tags ? SEP + (r.tags ?? NULL) : '') + (u.run ? SEP + (r.run ?? NULL) : '')
      : '';
    const byTeam = this.templates[(rateLimits ? 2 : 0) + (unlimited ? 1 : 0)]!;
    let byKey = byTeam.get(r.team);
    if (!byKey) byTeam.set(r.team, (byKey = new Map()));
    let byRest = byKey.get(r.keyId);
    if (!byRest) byKey.set(r.keyId, (byRest = new Map()));
    let t = byRest.get(rest);
    if (!t || now < t.from || now >= t.until) {
      if (!t && ++this.size > 200_000) {
        for (const m of this.templates) m.clear();
        this.size = 0;
      }
      t = this.template(r, unlimited, rateLimits, now);
      byRest.set(rest, t);
    }
    const src = t.limits;
    const out: PlannedLimit[] = into ?? new Array<PlannedLimit>(src.length);
    for (let i = 0; i < src.length; i++) {
      const l = src[i]!;
      const o = into !== undefined && i < into.length ? into[i] : undefined;
      switch (l.kind) {
        case 'budget_usd':
        case 'budget_tokens':
          out[i] = limitOf(o, l, l.window, l.key, l.kind === 'budget_usd' ? worstNanos : worstTokens, ttlFor(l.window.end, now));
          break;
        case 'budget_pace':
          out[i] = limitOf(o, l, l.window, l.key, worstNanos, ttlFor(l.window.end, now));
          break;
        case 'rpm':
        case 'tpm': {
          // Rate limits count per minute: the template keeps them across minutes, keyed afresh each minute.
          const m = t.minutes[i]!;
          const minute = Math.floor(now / MINUTE);
          if (m.minute !== minute) {
            m.minute = minute;
            m.window = { key: String(minute), start: minute * MINUTE, end: (minute + 1) * MINUTE };
            m.key = m.prefix + m.window.key;
          }
          out[i] = limitOf(o, l, m.window, m.key, l.kind === 'rpm' ? 1 : worstTokens, l.ttlSeconds);
          break;
        }
        case 'concurrent': {
          // The instant of the call, in a window of the limit's own (a refilled limit's is its own too).
          const w = o !== undefined && o.kind === 'concurrent' ? o.window : { key: 'now', start: now, end: now };
          w.start = w.end = now;
          out[i] = limitOf(o, l, w, l.key, 1, l.ttlSeconds);
          break;
        }
      }
    }
    out.length = src.length;
    return out;
  }

  private template(r: PlanAttribution, unlimited: boolean, rateLimits: boolean, now: number): Template {
    const limits = planLimits({
      scopes: { org: this.p.org, team: r.team, user: r.user, project: r.project, keyId: r.keyId, tags: r.tags ? r.tags.split(',') : [], run: r.run, unlimited },
      budgetsByScope: this.p.budgetsByScope,
      rateLimitsByScope: rateLimits ? this.p.rateLimitsByScope : EMPTY,
      defaultRateLimit: rateLimits ? this.p.defaultRateLimit : null,
      demand: { worstNanos: 0, worstTokens: 0 },
      timezone: this.p.timezone,
      now,
    });
    let from = -Infinity;
    let until = Infinity;
    for (const l of limits) {
      // A rate limit's minute is handled per call; concurrency's "window" is the instant of the call.
      if (l.kind === 'concurrent' || l.kind === 'rpm' || l.kind === 'tpm') continue;
      if (l.window.start > from) from = l.window.start;
      if (l.window.end < until) until = l.window.end;
    }
    const minutes = limits.map((l) =>
      l.kind === 'rpm' || l.kind === 'tpm' ? { prefix: l.key.slice(0, l.key.length - l.window.key.length), minute: Number(l.window.key), window: l.window, key: l.key } : null,
    );
    return { limits, from, until, minutes };
  }
}

/**
 * The template limit `l` for this call: `o` refilled when it has the same kind and the same optional
 * parts (a pace, a run's team), else a new limit; every field set either way.
 */
function limitOf(o: PlannedLimit | undefined, l: PlannedLimit, window: PeriodWindow, key: string, amount: number, ttlSeconds: number): PlannedLimit {
  if (o === undefined || o.kind !== l.kind || (o.pace === undefined) !== (l.pace === undefined) || (o.team === undefined) !== (l.team === undefined)) {
    const n: PlannedLimit = { kind: l.kind, scope: l.scope, budget: l.budget, window, key, limit: l.limit, amount, ttlSeconds };
    if (l.pace) n.pace = { periodCounterKey: l.pace.periodCounterKey, daysLeft: l.pace.daysLeft, allowance: null };
    // A run's limits count each team apart (policy/limits.ts counterScope); seeding reads the team.
    if (l.team !== undefined) n.team = l.team;
    return n;
  }
  o.scope = l.scope;
  o.budget = l.budget;
  o.window = window;
  o.key = key;
  o.limit = l.limit;
  o.amount = amount;
  o.ttlSeconds = ttlSeconds;
  if (o.pace) {
    o.pace.periodCounterKey = l.pace!.periodCounterKey;
    o.pace.daysLeft = l.pace!.daysLeft;
    o.pace.allowance = null;
  }
  if (l.team !== undefined) o.team = l.team;
  return o;
}

/** policy/limits.ts's TTL (and plannedPace's, whose day window always ends): a day of slack for late commits. */
function ttlFor(end: number, now: number): number {
  return end === Infinity ? TEN_YEARS_S : Math.ceil((end - now) / 1000) + 86_400;
}
