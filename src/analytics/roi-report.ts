/**
 * Return on AI spend: cost, attributed outcomes and their value per team, project, agent or model, ranked
 * by efficiency — value per dollar (desc), then cost per outcome (asc) — never by who used the most.
 * Sorting by cost exists only as an explicit `sort=cost`. Attribution: roi-attribution.ts.
 *
 * Low-value usage is flagged (thresholds in `roi:` config, see README.md):
 *   spend_rising_without_outcomes  the group's cost in the 7 days before `to` is >= rising.min_usd and
 *                                  >= rising.factor x its cost in the 7 days before those, and it has no
 *                                  outcome attributed in the window;
 *   synthetic_usage                >= synthetic.min_calls of its calls in the window have a tiny prompt
 *                                  (<= max_prompt_tokens) and repeat a request (same requestHash) of the
 *                                  team from less than window_minutes before, and they are >= min_share
 *                                  of its calls.
 */
import { nanosToUsd } from '../pricing/money.js';
import type { CallGroupQuery, CallGroupRow, Store } from '../storage/types.js';
import { HIDDEN, OutcomeMatcher, shareOut } from './roi-attribution.js';
import type { RoiConfig } from './value-config.js';

export const ROI_GROUPS = ['team', 'project', 'agent', 'model'] as const;
export type RoiGroup = (typeof ROI_GROUPS)[number];
/** Orders a report may be asked for; the first is the default. There is deliberately no "most used" ranking. */
export const ROI_SORTS = ['value_per_dollar', 'cost_per_outcome', 'cost'] as const;
export type RoiSort = (typeof ROI_SORTS)[number];

export interface RoiQuery {
  groupBy: RoiGroup;
  from: number;
  to: number;
  /** A team key asking: only its own calls count as cost, and only its groups are shown. */
  team?: string;
  sort?: RoiSort;
  config: RoiConfig;
  /** Most outcomes read for one report. */
  maxOutcomes?: number;
}

export interface RoiRow {
  group: string | null;
  cost_usd: number;
  outcomes: number;
  value_usd: number;
  value_per_dollar: number | null;
  cost_per_outcome_usd: number | null;
  low_value: boolean;
  flags: string[];
}

export interface RoiReport {
  group_by: RoiGroup;
  ranking: RoiSort;
  data: RoiRow[];
}

interface Acc {
  costNanos: number;
  calls: number;
  synthetic: number;
  lastWeek: number;
  weekBefore: number;
  valueNanos: number;
  outcomes: number;
}

const WEEK = 7 * 86_400_000;

function groupOf(c: CallGroupRow, by: RoiGroup): string | null {
  return by === 'team' ? c.team : by === 'project' ? c.project : by === 'agent' ? c.agent : c.model;
}

export async function roiReport(store: Store, q: RoiQuery): Promise<RoiReport> {
  const outcomes = await store.outcomes({ from: q.from, to: q.to, limit: q.maxOutcomes ?? 100_000 });
  const matcher = new OutcomeMatcher(outcomes);
  const accs = new Map<string | null, Acc>();
  const acc = (g: string | null): Acc => {
    let a = accs.get(g);
    if (!a) accs.set(g, (a = { costNanos: 0, calls: 0, synthetic: 0, lastWeek: 0, weekBefore: 0, valueNanos: 0, outcomes: 0 }));
    return a;
  };
  // The rising-spend flag compares the last two weeks before `to`: sums, read from the rollups rather
  // than by reading every call of those weeks.
  for (const [week, field] of [[0, 'lastWeek'], [1, 'weekBefore']] as const) {
    const rows = await store.analytics({ groupBy: [q.groupBy], filters: q.team === undefined ? {} : { team: q.team }, from: q.to - (week + 1) * WEEK, to: q.to - week * WEEK });
    for (const r of rows) acc(r.group[q.groupBy] ?? null)[field] += r.costNanos;
  }
  // Every team's calls count (an outcome on a shared project is split across all of its spend), summed
  // by the store per team, the report's group and every field an outcome names (what matching compares):
  // cost, successes and synthetic-looking repeats.
  const s = q.config.synthetic;
  const by = new Set<CallGroupQuery['by'][number]>(q.groupBy === 'team' ? [] : [q.groupBy]);
  for (const o of outcomes) {
    if (o.run !== null) by.add('run');
    if (o.project !== null) by.add('project');
    if (o.agent !== null) by.add('agent');
  }
  const repeats = { withinMs: s.window_minutes * 60_000, maxPromptTokens: s.max_prompt_tokens };
  const groups = await store.callGroups({ from: q.from, to: q.to, by: [...by], repeats });
  for (const c of groups) {
    const visible = q.team === undefined || c.team === q.team;
    const g = groupOf(c, q.groupBy);
    matcher.note(c, visible ? g : HIDDEN);
    if (!visible) continue;
    const a = acc(g);
    a.costNanos += c.costNanos;
    a.calls += c.calls;
    a.synthetic += c.repeats;
  }
  for (const w of matcher.weights) {
    const o = w.outcome;
    // A team key sees no share of an outcome other teams' calls match too: its fraction of the value
    // would tell what those teams spent (on a run or project they share). Admins see every share.
    if (q.team !== undefined && w.byGroup.has(HIDDEN)) continue;
    const own = q.groupBy === 'team' ? o.team : q.groupBy === 'project' ? o.project : q.groupBy === 'agent' ? o.agent : null;
    // An unmatched outcome is shown to a team key only when it names that team.
    const fallback = q.team !== undefined && o.team !== q.team ? HIDDEN : own;
    for (const share of shareOut(w, fallback)) {
      if (share.group === HIDDEN) continue;
      const a = acc(share.group);
      a.valueNanos += share.valueNanos;
      a.outcomes += share.count;
    }
  }
  const ranked = [...accs.entries()]
    .filter(([, a]) => a.calls > 0 || a.valueNanos > 0 || a.outcomes > 0)
    .map(([group, a]) => present(group, a, q.config));
  const ranking = q.sort ?? 'value_per_dollar';
  ranked.sort(ORDER[ranking]);
  return { group_by: q.groupBy, ranking, data: ranked.map(({ sortValue: _v, costNanos: _c, ...row }) => row) };
}

function present(group: string | null, a: Acc, cfg: RoiConfig): RoiRow & { sortValue: number; costNanos: number } {
  const flags: string[] = [];
  const r = cfg.rising;
  if (a.outcomes === 0 && a.lastWeek > 0 && nanosToUsd(a.lastWeek) >= r.min_usd && a.lastWeek >= r.factor * a.weekBefore) flags.push('spend_rising_without_outcomes');
  const s = cfg.synthetic;
  if (a.synthetic >= s.min_calls && a.synthetic >= s.min_share * a.calls) flags.push('synthetic_usage');
  const outcomes = Math.round(a.outcomes * 10_000) / 10_000;
  return {
    group,
    cost_usd: nanosToUsd(a.costNanos),
    outcomes,
    value_usd: nanosToUsd(a.valueNanos),
    value_per_dollar: a.costNanos > 0 ? round6(a.valueNanos / a.costNanos) : null,
    cost_per_outcome_usd: a.outcomes > 0 ? nanosToUsd(Math.round(a.costNanos / a.outcomes)) : null,
    low_value: flags.length > 0,
    flags,
    // Free value (outcomes at no cost) is the most efficient of all.
    sortValue: a.costNanos > 0 ? a.valueNanos / a.costNanos : a.valueNanos > 0 ? Infinity : 0,
    costNanos: a.costNanos,
  };
}

type Ranked = ReturnType<typeof present>;

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const byName = (a: Ranked, b: Ranked): number => (a.group === b.group ? 0 : a.group === null ? 1 : b.group === null ? -1 : a.group < b.group ? -1 : 1);
const byValuePerDollar = (a: Ranked, b: Ranked): number => (a.sortValue === b.sortValue ? 0 : a.sortValue > b.sortValue ? -1 : 1);
const byCostPerOutcome = (a: Ranked, b: Ranked): number => {
  const x = a.cost_per_outcome_usd ?? Infinity;
  const y = b.cost_per_outcome_usd ?? Infinity;
  return x === y ? 0 : x < y ? -1 : 1;
};

const ORDER: Record<RoiSort, (a: Ranked, b: Ranked) => number> = {
  value_per_dollar: (a, b) => byValuePerDollar(a, b) || byCostPerOutcome(a, b) || byName(a, b),
  cost_per_outcome: (a, b) => byCostPerOutcome(a, b) || byValuePerDollar(a, b) || byName(a, b),
  // Only on explicit request (sort=cost): spend, largest first.
  cost: (a, b) => b.costNanos - a.costNanos || byName(a, b),
};
