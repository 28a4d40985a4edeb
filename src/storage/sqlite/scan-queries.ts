/**
 * The SQLite side of reading the ledger back: keyset scans of calls (for replay, waste and export) and
 * per-group sums (for ROI), with the time/team/run filter the ledger's other queries share. Kept beside
 * database.ts, which delegates to these, as it does for import-queries.ts and outcome-queries.ts.
 */
import type Database from 'better-sqlite3';
import type { CallGroupQuery, CallGroupRow, CallScan } from '../types.js';
import { callGroupsSql, callRepeatsSql, mergeCallGroups } from '../call-groups.js';
import { wasteCandidatesSql } from '../waste-candidates.js';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';
import { joinedScan, type RowLayout } from './call-batch.js';

type Row = Record<string, SqlValue>;

/** Columns only CallScan.delivery asks for (not cache_hit: replay reprices a call the cache served live from its tokens). */
const DELIVERY_COLUMNS: ReadonlySet<string> = new Set(['first_byte_at', 'stream', 'provider', 'http_status', 'upstream_request_id', 'saved_nanos']);

/**
 * The ledger's columns as a scan selects them, by features (bit 0) and delivery (bit 1) wanted: those
 * left out are not selected at all (no JSON or text to read and copy: ~0.6 us less a row without the
 * delivery columns, measured over 1M calls; and a NULL selected in their place still cost better-sqlite3
 * a value per column, ~0.07 us each), and most of the others joined into two values (joined-columns.ts).
 * `layout` says where each column is (call-batch.ts packs by it).
 */
const SCANS = [0, 1, 2, 3].map((want) => joinedScan(CALL_COLUMNS.filter((c) => !((c === 'features' && !(want & 1)) || (DELIVERY_COLUMNS.has(c) && !(want & 2))))));

/** A keyset page of calls as value arrays laid out as `layout` says (packed by call-batch.ts for the hand-off). */
export function scanCallValues(db: Database.Database, q: CallScan): { rows: SqlValue[][]; layout: RowLayout; exactTexts: (id: string) => string } {
  const { where, params } = filters(q);
  const clauses = where ? [where.slice('WHERE '.length)] : [];
  if (q.errorCodes) {
    clauses.push(q.errorCodes.length ? `error_code IN (${q.errorCodes.map(() => '?').join(', ')})` : '0');
    params.push(...q.errorCodes);
  }
  if (q.wasteCandidates) {
    // SQLite binds lists value by value: `v` is never an array here.
    const bind = (v: SqlValue | string[]): string => {
      params.push(v as SqlValue);
      return '?';
    };
    clauses.push(wasteCandidatesSql('sqlite', q.wasteCandidates, q, bind));
  }
  if (q.after) {
    // The plain range first, so the started_at index bounds the scan (an OR alone would not).
    clauses.push('started_at >= ? AND (started_at > ? OR id > ?)');
    params.push(q.after.startedAt, q.after.startedAt, q.after.id);
  }
  const scan = SCANS[(q.features === false ? 0 : 1) + (q.delivery === false ? 0 : 2)]!;
  const sql = `SELECT ${scan.sql} FROM calls ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY started_at, id LIMIT ?`;
  const exactTexts = (id: string): string => {
    const texts = db.prepare(`SELECT ${scan.layout.joined!.exactTextsSql} FROM calls WHERE id = ?`).pluck().get(id) as string | undefined;
    // The worker's one connection reads the page and then the row; a row gone in between was deleted by another process.
    if (texts === undefined) throw new Error(`ledger row ${id} changed while it was scanned`);
    return texts;
  };
  return { rows: db.prepare(sql).raw(true).all(...params, q.limit) as SqlValue[][], layout: scan.layout, exactTexts };
}

/** Per-group sums of a window's calls (see call-groups.ts). */
export function callGroups(db: Database.Database, q: CallGroupQuery): CallGroupRow[] {
  const sums = callGroupsSql('sqlite', q);
  const repeats = callRepeatsSql('sqlite', q);
  return mergeCallGroups(db.prepare(sums.sql).all(...sums.params) as Row[], db.prepare(repeats.sql).all(...repeats.params) as Row[]);
}

/** The WHERE clause of the common call filters. */
export function filters(q: { from?: number; to?: number; team?: string; run?: string }): { where: string; params: SqlValue[] } {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue): void => {
    clauses.push(clause);
    params.push(value);
  };
  if (q.from !== undefined) add('started_at >= ?', q.from);
  if (q.to !== undefined) add('started_at < ?', q.to);
  if (q.team !== undefined) add('team = ?', q.team);
  if (q.run !== undefined) add('run = ?', q.run);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
