/** What the ledger holds for a budget's scope and window: the sum its counter is seeded with. */
import type Database from 'better-sqlite3';
import type { Store } from '../types.js';
import type { SqlValue } from './call-columns.js';

type Row = Record<string, unknown>;

export function sumCalls(db: Database.Database, q: Parameters<Store['sumCalls']>[0]): { costNanos: number; tokens: number } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (q.from !== undefined) {
    clauses.push('started_at >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    clauses.push('started_at < ?');
    params.push(q.to);
  }
  for (const [dim, value] of Object.entries(q.match)) {
    if (value === undefined) continue;
    if (dim === 'tag') {
      // Exact element match (LIKE would treat _ and % as wildcards and ignore case).
      clauses.push("instr(',' || coalesce(tags, '') || ',', ?) > 0");
      params.push(`,${value},`);
    } else {
      clauses.push(`${dim === 'key' ? 'key_id' : dim} = ?`);
      params.push(value);
    }
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const row = db
    .prepare(
      `SELECT coalesce(sum(cost_nanos), 0) AS cost, coalesce(sum(input_tokens + cached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens + reasoning_tokens), 0) AS tokens FROM calls ${where}`,
    )
    .get(...params) as Row;
  return { costNanos: Number(row['cost']), tokens: Number(row['tokens']) };
}
