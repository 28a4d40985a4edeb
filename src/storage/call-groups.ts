/**
 * Store.callGroups, shared by the SQLite and Postgres backends: the calls of a window summed per team
 * and whichever of project, run, agent and served model the query asks for, with how many of them repeat a request of their team (same
 * requestHash less than `withinMs` after the previous one, looking back before the window too) with a
 * small prompt. The ROI report reads this instead of every call: two GROUP BY queries and a merge.
 */
import type { Dialect } from './rollups.js';
import type { CallGroupQuery, CallGroupRow } from './types.js';

/** The columns a query may group by besides team; one not asked for reads as null (all its calls together). */
const OPTIONAL = [
  ['project', 'project'],
  ['run', 'run'],
  ['agent', 'agent'],
  ['model', 'served_model'],
] as const;

function keys(q: CallGroupQuery): { select: string; group: string } {
  const asked = OPTIONAL.filter(([k]) => q.by.includes(k)).map(([, col]) => col);
  const select = OPTIONAL.map(([k, col]) => (q.by.includes(k) ? col : `NULL AS ${col}`));
  return { select: ['team', ...select].join(', '), group: ['team', ...asked].join(', ') };
}

const PROMPT = 'input_tokens + cached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens';

/** The sums per group; placeholders are `?` (Postgres callers renumber them). */
export function callGroupsSql(d: Dialect, q: CallGroupQuery): { sql: string; params: number[] } {
  const ok = d === 'postgres' ? "count(*) FILTER (WHERE status = 'ok')" : "sum(status = 'ok')";
  const cost = d === 'postgres' ? 'sum(cost_nanos)::bigint' : 'sum(cost_nanos)';
  const k = keys(q);
  return {
    sql: `SELECT ${k.select}, count(*) AS calls, ${ok} AS ok_calls, ${cost} AS cost FROM calls
      WHERE started_at >= ? AND started_at < ? GROUP BY ${k.group}`,
    params: [q.from, q.to],
  };
}

/**
 * The repeats per group. Each hashed call's predecessor is the previous call of its team with the same
 * hash in ledger order (started_at, then id in byte order), read from `withinMs` before the window on.
 */
export function callRepeatsSql(d: Dialect, q: CallGroupQuery): { sql: string; params: number[] } {
  const order = d === 'postgres' ? 'started_at, id COLLATE "C"' : 'started_at, id';
  const k = keys(q);
  return {
    sql: `SELECT ${k.select}, count(*) AS repeats FROM (
        SELECT team, project, run, agent, served_model, started_at, ${PROMPT} AS prompt,
          started_at - lag(started_at) OVER (PARTITION BY team, request_hash ORDER BY ${order}) AS gap
        FROM calls WHERE started_at >= ? AND started_at < ? AND request_hash IS NOT NULL) h
      WHERE started_at >= ? AND gap < ? AND prompt <= ? GROUP BY ${k.group}`,
    params: [q.from - q.repeats.withinMs, q.to, q.from, q.repeats.withinMs, q.repeats.maxPromptTokens],
  };
}

type Row = Record<string, unknown>;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const groupKey = (r: Row): string => JSON.stringify([r['team'], r['project'], r['run'], r['agent'], r['served_model']]);

/** The two answers as one list of groups (every repeat is one of the group's calls). */
export function mergeCallGroups(sums: Row[], repeats: Row[]): CallGroupRow[] {
  const rep = new Map(repeats.map((r) => [groupKey(r), Number(r['repeats'])]));
  return sums.map((r) => ({
    team: String(r['team']),
    project: text(r['project']),
    run: text(r['run']),
    agent: text(r['agent']),
    model: text(r['served_model']),
    calls: Number(r['calls']),
    okCalls: Number(r['ok_calls']),
    costNanos: Number(r['cost']),
    repeats: rep.get(groupKey(r)) ?? 0,
  }));
}
