/**
 * CallScan.wasteCandidates as SQL, shared by the SQLite and Postgres backends: the calls the waste report
 * can count or learn from, so that a scan skips the rest in the database instead of shipping every call
 * of the window to the report. A call outside this set repeats no request of its team in the scanned
 * window (no other call with its team and requestHash there), is no fallback attempt, succeeded, is in
 * no run the guard stopped and was not served by an expensive model: no waste rule applies to it and it
 * cannot make another call a duplicate or a retry (see analytics/waste-report.ts).
 */
import type { Dialect } from './rollups.js';
import type { CallScan, WasteCandidates } from './types.js';

/**
 * The condition; `param` binds a value and returns its placeholder. Both subqueries read the scan's own
 * window (and team): a request sent once in it cannot be a duplicate or retry, nor make another call one;
 * the stopped runs are the (team, run) pairs with a call carrying one of `stopCodes` (a superset of the report's).
 */
export function wasteCandidatesSql(d: Dialect, c: WasteCandidates, scan: Pick<CallScan, 'from' | 'to' | 'team'>, param: (v: number | string | string[]) => string): string {
  const inList = (col: string, values: string[]): string =>
    d === 'postgres' ? `${col} = ANY(${param(values)}::text[])` : `${col} IN (${values.map((v) => param(v)).join(', ')})`;
  const inScan = (): string[] => {
    const where: string[] = [];
    if (scan.from !== undefined) where.push(`started_at >= ${param(scan.from)}`);
    if (scan.to !== undefined) where.push(`started_at < ${param(scan.to)}`);
    if (scan.team !== undefined) where.push(`team = ${param(scan.team)}`);
    return where;
  };
  const repeated = `SELECT team, request_hash FROM calls WHERE ${['request_hash IS NOT NULL', ...inScan()].join(' AND ')} GROUP BY team, request_hash HAVING count(*) > 1`;
  const any = [`(team, request_hash) IN (${repeated})`, 'attempt_of IS NOT NULL', "status <> 'ok'"];
  if (c.models.length > 0) any.push(inList('served_model', c.models));
  if (c.stopCodes.length > 0) any.push(`(team, run) IN (SELECT team, run FROM calls WHERE ${[inList('error_code', c.stopCodes), 'run IS NOT NULL', ...inScan()].join(' AND ')})`);
  return `(${any.join(' OR ')})`;
}
