/**
 * The SQLite side of outcomes (reported value for ROI): the outcomes table. Kept beside database.ts,
 * which delegates to these, as it does for import-queries.ts.
 */
import type Database from 'better-sqlite3';
import type { OutcomeQuery, OutcomeRecord } from '../types.js';
import type { SqlValue } from './call-columns.js';

type Row = Record<string, SqlValue>;

const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

export function insertOutcome(db: Database.Database, o: OutcomeRecord): void {
  db.prepare('INSERT INTO outcomes (id, run, project, team, agent, label, value_nanos, at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(o.id, o.run, o.project, o.team, o.agent, o.label, o.valueNanos, o.at, o.createdAt);
}

/** Outcomes matching every given field, `at` in [from, to), oldest first, up to the limit. */
export function outcomes(db: Database.Database, q: OutcomeQuery): OutcomeRecord[] {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue | undefined): void => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add('at >= ?', q.from);
  add('at < ?', q.to);
  add('team = ?', q.team);
  add('run = ?', q.run);
  add('project = ?', q.project);
  // The latest `limit`, listed oldest first.
  const sql = `SELECT * FROM (SELECT * FROM outcomes ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`;
  return (db.prepare(sql).all(...params, q.limit) as Row[]).map((r) => ({
    id: String(r['id']),
    run: str(r['run']),
    project: str(r['project']),
    team: str(r['team']),
    agent: str(r['agent']),
    label: String(r['label']),
    valueNanos: Number(r['value_nanos']),
    at: Number(r['at']),
    createdAt: Number(r['created_at']),
  }));
}
