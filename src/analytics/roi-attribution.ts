/**
 * Attribution of outcomes to the groups of an ROI report. An outcome names a run, project and/or team
 * (and optionally an agent); its "matching calls" are the calls in the report window with every named
 * field equal. Its value (and its count of one) is shared across those calls in proportion to their
 * cost, or equally between the successful ones when they cost nothing; each call's share goes to the
 * call's group. An outcome with no matching call goes whole to the group it names itself (its team,
 * project or agent), or to the `null` group (unattributed) when it names none of that dimension.
 */
import type { CallGroupRow, OutcomeRecord } from '../storage/types.js';

/** What matching reads of calls: their attribution, cost and successes (one call, or a group of them). */
export type MatchedCalls = Pick<CallGroupRow, 'team' | 'project' | 'run' | 'agent' | 'costNanos' | 'okCalls'>;

/**
 * Where shares of calls outside a team key's view go: counted in the totals, never shown. It sorts after
 * every real group, so a tied remainder goes to the same group whoever asks.
 */
export const HIDDEN = '\uffff(hidden)';

/** What an outcome's matching calls weigh, in total and per group. */
export interface OutcomeWeights {
  outcome: OutcomeRecord;
  costNanos: number;
  okCalls: number;
  byGroup: Map<string | null, { costNanos: number; okCalls: number }>;
}

/** Finds the outcomes a call matches, through an index on the most specific field each outcome names. */
export class OutcomeMatcher {
  readonly weights: OutcomeWeights[];
  private readonly byRun = new Map<string, OutcomeWeights[]>();
  private readonly byProject = new Map<string, OutcomeWeights[]>();
  private readonly byTeam = new Map<string, OutcomeWeights[]>();

  constructor(outcomes: readonly OutcomeRecord[]) {
    this.weights = outcomes.map((o) => ({ outcome: o, costNanos: 0, okCalls: 0, byGroup: new Map() }));
    for (const w of this.weights) {
      const o = w.outcome;
      const [index, key] = o.run !== null ? [this.byRun, o.run] : o.project !== null ? [this.byProject, o.project] : [this.byTeam, o.team ?? ''];
      const list = index.get(key) ?? [];
      list.push(w);
      index.set(key, list);
    }
  }

  /** Count calls (in the window) towards every outcome they match; `group` is where their share goes. */
  note(c: MatchedCalls, group: string | null): void {
    if (c.run !== null) this.noteIn(this.byRun.get(c.run), c, group);
    if (c.project !== null) this.noteIn(this.byProject.get(c.project), c, group);
    this.noteIn(this.byTeam.get(c.team), c, group);
  }

  private noteIn(list: OutcomeWeights[] | undefined, c: MatchedCalls, group: string | null): void {
    if (!list) return;
    for (const w of list) {
      const o = w.outcome;
      if ((o.run !== null && o.run !== c.run) || (o.project !== null && o.project !== c.project) || (o.team !== null && o.team !== c.team) || (o.agent !== null && o.agent !== c.agent)) continue;
      const ok = c.okCalls;
      w.costNanos += c.costNanos;
      w.okCalls += ok;
      const g = w.byGroup.get(group) ?? { costNanos: 0, okCalls: 0 };
      g.costNanos += c.costNanos;
      g.okCalls += ok;
      w.byGroup.set(group, g);
    }
  }
}

export interface Share {
  group: string | null;
  valueNanos: number;
  /** The share of the outcome itself (its count of one). */
  count: number;
}

/**
 * Split an outcome's value across its groups: integer nano-dollars by largest remainder, so the shares
 * sum exactly to the value (BigInt: value x cost passes 2^53 quickly). `fallback` is the group the
 * outcome names itself, used when no call matched.
 */
export function shareOut(w: OutcomeWeights, fallback: string | null): Share[] {
  const byCost = w.costNanos > 0;
  const total = BigInt(byCost ? w.costNanos : w.okCalls);
  if (total === 0n) return [{ group: fallback, valueNanos: w.outcome.valueNanos, count: 1 }];
  const value = BigInt(w.outcome.valueNanos);
  const parts = [...w.byGroup.entries()]
    .map(([group, g]) => {
      const weight = BigInt(byCost ? g.costNanos : g.okCalls);
      return { group, weight, floor: (value * weight) / total, rest: (value * weight) % total };
    })
    .filter((p) => p.weight > 0n);
  let left = value - parts.reduce((s, p) => s + p.floor, 0n);
  // Largest remainders first; ties by group so the result does not depend on scan order.
  const order = [...parts].sort((a, b) => (a.rest === b.rest ? groupCmp(a.group, b.group) : a.rest > b.rest ? -1 : 1));
  for (const p of order) {
    if (left === 0n) break;
    p.floor += 1n;
    left -= 1n;
  }
  return parts.map((p) => ({ group: p.group, valueNanos: Number(p.floor), count: Number(p.weight) / Number(total) }));
}

function groupCmp(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
