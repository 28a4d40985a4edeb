/**
 * PostgresStore: the `Store` over a pg connection pool, for several gateway instances sharing one
 * ledger. SQL semantics mirror sqlite/database.ts; see README.md beside this file.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import type { BudgetRecord, CallGroupQuery, CallGroupRow, CallQuery, CallRow, CallScan, KeyRecord, OutcomeQuery, OutcomeRecord, ProviderUsageQuery, ProviderUsageRow, SavingsRow, SpendGroup, SpendQuery, SpendRow, Store } from '../types.js';
import { providerUsageQuery, toProviderUsage, upsertProviderUsageStatements } from './import-queries.js';
import type { AnalyticsQuery, AnalyticsRow } from '../../analytics/query.js';
import { runAnalyticsAsync } from '../../analytics/run-query.js';
import { savingsReportSql } from '../savings-rollup.js';
import { wasteCandidatesSql } from '../waste-candidates.js';
import { callGroupsSql, callRepeatsSql, mergeCallGroups } from '../call-groups.js';
import { CALL_CHUNK, callParams, insertCallsSql, SCAN_COLUMNS_NO_FEATURES, type Param } from './call-columns.js';
import { num, runMigrations, toBudget, toCall, toKey, toOutcome, type Row } from './schema.js';

export interface PostgresStoreOptions {
  url: string;
  poolSize: number;
  /** Postgres schema holding the tables (default `public`); tests use a throwaway one each. */
  schema?: string;
}



const GROUP_COLUMN: Record<SpendGroup, string> = {
  team: 'team',
  user: '"user"',
  project: 'project',
  key: 'key_id',
  model: 'served_model',
  provider: 'provider',
  run: 'run',
  agent: 'agent',
  day: "to_char(to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};
const MATCH_COLUMN = { team: 'team', user: '"user"', project: 'project', key: 'key_id', run: 'run' } as const;
const TOKENS = 'input_tokens + cached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + output_tokens + reasoning_tokens';

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private closed = false;

  constructor(opts: PostgresStoreOptions) {
    this.schema = opts.schema ?? 'public';
    // The name goes into a connection option and DDL unquoted, so only plain identifiers are allowed.
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid Postgres schema name: ${this.schema}`);
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize, options: `-c search_path=${this.schema}` });
    // An idle client dropped by the server must not crash the process: the pool discards it and the
    // next query opens a fresh connection, surfacing the error there if the server is really gone.
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await runMigrations(client, this.schema);
      client.release();
    } catch (err) {
      // Don't hand a connection that failed mid-migration back to the pool.
      client.release(err as Error);
      throw err;
    }
  }

  private async rows(sql: string, params: Param[] = []): Promise<Row[]> {
    if (this.closed) throw new Error('store is closed');
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  /** Run `fn` in one transaction on one pooled connection. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('store is closed');
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // A failed ROLLBACK means the connection is broken: release(err) destroys it instead of reusing it.
      await client.query('ROLLBACK').then(() => client.release(), (e: Error) => client.release(e));
      throw err;
    }
  }

  async getMeta(name: string): Promise<string | null> {
    const [row] = await this.rows('SELECT value FROM meta WHERE name = $1', [name]);
    return row ? String(row['value']) : null;
  }

  async setMetaIfAbsent(name: string, value: string): Promise<string> {
    await this.rows('INSERT INTO meta(name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value]);
    // A separate statement, so a row committed concurrently by another instance is visible here.
    return (await this.getMeta(name)) ?? value;
  }

  /** Bump a version counter inside the caller's transaction, so readers never see a change without it. */
  private static async bump(c: PoolClient, name: string): Promise<void> {
    await c.query(
      "INSERT INTO meta(name, value) VALUES ($1, '1') ON CONFLICT (name) DO UPDATE SET value = (meta.value::bigint + 1)::text",
      [name],
    );
  }

  async insertKey(k: KeyRecord): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        'INSERT INTO keys (id, hash, name, team, "user", project, models, unlimited, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [k.id, k.hash, k.name, k.team, k.user, k.project, k.models ? JSON.stringify(k.models) : null, k.unlimited, k.createdAt, k.revokedAt],
      );
      await PostgresStore.bump(c, 'keys_version');
    });
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const [row] = await this.rows('SELECT * FROM keys WHERE id = $1', [id]);
    return row ? toKey(row) : null;
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (await this.rows('SELECT * FROM keys ORDER BY created_at, id COLLATE "C"')).map(toKey);
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.tx(async (c) => {
      const res = await c.query('UPDATE keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id]);
      const changed = (res.rowCount ?? 0) > 0;
      if (changed) await PostgresStore.bump(c, 'keys_version');
      return changed;
    });
  }

  async keysVersion(): Promise<number> {
    return Number((await this.getMeta('keys_version')) ?? 0);
  }

  async upsertBudget(b: BudgetRecord): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        `INSERT INTO budgets (id, scope, period, limit_nanos, limit_tokens, alert_at, downgrade, clamp, source, created_at, pace)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET limit_nanos = excluded.limit_nanos, limit_tokens = excluded.limit_tokens,
           alert_at = excluded.alert_at, downgrade = excluded.downgrade, clamp = excluded.clamp, source = excluded.source, pace = excluded.pace`,
        [b.id, b.scope, b.period, b.limitNanos, b.limitTokens, JSON.stringify(b.alertAt), b.downgrade ? JSON.stringify(b.downgrade) : null, b.clamp, b.source, b.createdAt, b.pace ? JSON.stringify(b.pace) : null],
      );
      await PostgresStore.bump(c, 'budgets_version');
    });
  }

  async listBudgets(): Promise<BudgetRecord[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    return (await this.rows('SELECT * FROM budgets ORDER BY id COLLATE "C"')).map(toBudget);
  }

  deleteBudget(id: string): Promise<boolean> {
    return this.tx(async (c) => {
      const res = await c.query('DELETE FROM budgets WHERE id = $1', [id]);
      const changed = (res.rowCount ?? 0) > 0;
      if (changed) await PostgresStore.bump(c, 'budgets_version');
      return changed;
    });
  }

  async budgetsVersion(): Promise<number> {
    return Number((await this.getMeta('budgets_version')) ?? 0);
  }

  async sumCalls(q: Parameters<Store['sumCalls']>[0]): Promise<{ costNanos: number; tokens: number }> {
    const { clauses, params } = filters(q);
    for (const [dim, value] of Object.entries(q.match)) {
      if (value === undefined) continue;
      params.push(value);
      if (dim === 'tag') {
        // Exact element match in the comma-separated list ("batch" matches "x,batch", not "batch-2").
        clauses.push(`position(',' || $${params.length} || ',' in ',' || coalesce(tags, '') || ',') > 0`);
      } else {
        const col = MATCH_COLUMN[dim as keyof typeof MATCH_COLUMN];
        if (!col) throw new Error(`unknown match dimension ${dim}`);
        clauses.push(`${col} = $${params.length}`);
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const [row] = await this.rows(
      `SELECT coalesce(sum(cost_nanos), 0)::bigint AS cost, coalesce(sum(${TOKENS}), 0)::bigint AS tokens FROM calls ${where}`,
      params,
    );
    return { costNanos: num(row?.['cost']), tokens: num(row?.['tokens']) };
  }

  async appendCalls(rows: CallRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    if (rows.length <= CALL_CHUNK) {
      const [row] = await this.rows(insertCallsSql(rows.length), rows.flatMap(callParams));
      return num(row?.['inserted']);
    }
    // Several statements: one transaction, so a batch lands whole or not at all, as in SQLite.
    return this.tx(async (c) => {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += CALL_CHUNK) {
        const chunk = rows.slice(i, i + CALL_CHUNK);
        const res = await c.query(insertCallsSql(chunk.length), chunk.flatMap(callParams));
        inserted += num((res.rows[0] as Record<string, unknown> | undefined)?.['inserted']);
      }
      return inserted;
    });
  }

  async spend(q: SpendQuery): Promise<SpendRow[]> {
    const { clauses, params } = filters(q);
    const col = GROUP_COLUMN[q.groupBy];
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    // NULLS FIRST and COLLATE "C" reproduce SQLite's order for groups of equal cost.
    const sql = `SELECT ${col} AS grp, count(*) AS calls, sum(input_tokens)::bigint AS input, sum(cached_input_tokens)::bigint AS cached,
      sum(cache_write_5m_tokens + cache_write_1h_tokens)::bigint AS cache_write, sum(output_tokens)::bigint AS output,
      sum(reasoning_tokens)::bigint AS reasoning, sum(cost_nanos)::bigint AS cost
      FROM calls ${where} GROUP BY 1 ORDER BY cost DESC, ${col} COLLATE "C" NULLS FIRST`;
    return (await this.rows(sql, params)).map((r) => ({
      group: r['grp'] === null ? null : String(r['grp']),
      calls: num(r['calls']),
      inputTokens: num(r['input']),
      cachedInputTokens: num(r['cached']),
      cacheWriteTokens: num(r['cache_write']),
      outputTokens: num(r['output']),
      reasoningTokens: num(r['reasoning']),
      costNanos: num(r['cost']),
    }));
  }

  async savings(q: SpendQuery): Promise<SavingsRow[]> {
    if (q.groupBy !== 'run') {
      const r = savingsReportSql('postgres', q, GROUP_COLUMN[q.groupBy]);
      let n = 0;
      return (await this.rows(r.sql.replace(/\?/g, () => `$${++n}`), r.params)).map(toSavings);
    }
    const { clauses, params } = filters(q);
    clauses.push('route IS NOT NULL', 'attempt_of IS NULL');
    const col = GROUP_COLUMN[q.groupBy];
    const reason = "CASE WHEN cache_hit THEN 'cache' WHEN route LIKE 'downgrade:%' THEN 'downgrade' ELSE 'routing' END";
    const sql = `SELECT ${col} AS grp, ${reason} AS reason, count(*) AS calls, sum(cost_nanos)::bigint AS cost, sum(saved_nanos)::bigint AS saved
      FROM calls WHERE ${clauses.join(' AND ')} GROUP BY 1, 2 ORDER BY saved DESC, ${col} COLLATE "C" NULLS FIRST, 2`;
    return (await this.rows(sql, params)).map((r) => ({
      group: r['grp'] === null ? null : String(r['grp']),
      reason: String(r['reason']) as SavingsRow['reason'],
      calls: num(r['calls']),
      costNanos: num(r['cost']),
      savedNanos: num(r['saved']),
    }));
  }

  /** Spend analytics over the rollups (or the ledger, for run grouping): see analytics/query-sql.ts. */
  analytics(q: AnalyticsQuery): Promise<AnalyticsRow[]> {
    return this.tx(async (c) => {
      // No JIT: the planner prices a bitmap scan of the ledger's time-ordered rows (the edge hours, the
      // hours a local midnight cuts) as if each row were a random page, so a query it answers in ~0.2 s
      // passed jit_above_cost and spent 1-2 s compiling (a month in Asia/Kolkata over 10M calls).
      await c.query('SET LOCAL jit = off');
      return runAnalyticsAsync(q, 'postgres', async (sql, params) => (await c.query<Row>(sql, params)).rows);
    });
  }

  async calls(q: CallQuery): Promise<CallRow[]> {
    const { clauses, params } = filters(q);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    params.push(q.limit);
    if (q.after !== undefined) {
      // Keyset paging, oldest first (replay); ids compare bytewise like SQLite's.
      if (q.after !== 'start') {
        params.splice(params.length - 1, 0, q.after.startedAt, q.after.id);
        const n = params.length;
        clauses.push(`(started_at > $${n - 2} OR (started_at = $${n - 2} AND id COLLATE "C" > $${n - 1}))`);
      }
      const w = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
      return (await this.rows(`SELECT * FROM calls ${w} ORDER BY started_at, id COLLATE "C" LIMIT $${params.length}`, params)).map(toCall);
    }
    const sql = `SELECT * FROM calls ${where} ORDER BY started_at DESC, id COLLATE "C" LIMIT $${params.length}`;
    return (await this.rows(sql, params)).map(toCall);
  }

  async scanCalls(q: CallScan): Promise<CallRow[]> {
    const { clauses, params } = filters(q);
    if (q.errorCodes) {
      params.push(q.errorCodes);
      clauses.push(`error_code = ANY($${params.length}::text[])`);
    }
    if (q.wasteCandidates) clauses.push(wasteCandidatesSql('postgres', q.wasteCandidates, q, (v) => `$${params.push(v)}`));
    if (q.after) {
      params.push(q.after.startedAt, q.after.id);
      // COLLATE "C": byte order on ids, as SQLite compares them, so the cursor walks the same order. The
      // plain range lets the started_at index bound the scan.
      const [at, id] = [`$${params.length - 1}`, `$${params.length}`];
      clauses.push(`started_at >= ${at}`, `(started_at, id COLLATE "C") > (${at}, ${id} COLLATE "C")`);
    }
    params.push(q.limit);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const columns = q.features === false ? SCAN_COLUMNS_NO_FEATURES : '*';
    const sql = `SELECT ${columns} FROM calls ${where} ORDER BY started_at, id COLLATE "C" LIMIT $${params.length}`;
    return (await this.rows(sql, params)).map(toCall);
  }

  async callGroups(q: CallGroupQuery): Promise<CallGroupRow[]> {
    const numbered = (r: { sql: string; params: number[] }): Promise<Row[]> => {
      let n = 0;
      return this.rows(r.sql.replace(/\?/g, () => `$${++n}`), r.params);
    };
    const [sums, repeats] = await Promise.all([numbered(callGroupsSql('postgres', q)), numbered(callRepeatsSql('postgres', q))]);
    return mergeCallGroups(sums, repeats);
  }

  async insertOutcome(o: OutcomeRecord): Promise<void> {
    await this.rows(
      'INSERT INTO outcomes (id, run, project, team, agent, label, value_nanos, at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [o.id, o.run, o.project, o.team, o.agent, o.label, o.valueNanos, o.at, o.createdAt],
    );
  }

  async outcomes(q: OutcomeQuery): Promise<OutcomeRecord[]> {
    const clauses: string[] = [];
    const params: Param[] = [];
    const add = (sql: string, v: Param): void => {
      params.push(v);
      clauses.push(`${sql} $${params.length}`);
    };
    if (q.from !== undefined) add('at >=', q.from);
    if (q.to !== undefined) add('at <', q.to);
    if (q.team !== undefined) add('team =', q.team);
    if (q.run !== undefined) add('run =', q.run);
    if (q.project !== undefined) add('project =', q.project);
    params.push(q.limit);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    // The latest `limit`, listed oldest first.
    const latest = `SELECT * FROM outcomes ${where} ORDER BY at DESC, id COLLATE "C" DESC LIMIT $${params.length}`;
    return (await this.rows(`SELECT * FROM (${latest}) latest ORDER BY at, id COLLATE "C"`, params)).map(toOutcome);
  }

  async upsertProviderUsage(rows: ProviderUsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.tx(async (c) => {
      for (const st of upsertProviderUsageStatements(rows)) await c.query(st.sql, st.params);
    });
  }

  async providerUsage(q: ProviderUsageQuery): Promise<ProviderUsageRow[]> {
    const { sql, params } = providerUsageQuery(q);
    return (await this.rows(sql, params)).map(toProviderUsage);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function filters(q: { from?: number; to?: number; team?: string; run?: string }): { clauses: string[]; params: Param[] } {
  const clauses: string[] = [];
  const params: Param[] = [];
  const add = (op: string, value: Param): void => {
    params.push(value);
    clauses.push(`${op} $${params.length}`);
  };
  if (q.from !== undefined) add('started_at >=', q.from);
  if (q.to !== undefined) add('started_at <', q.to);
  if (q.team !== undefined) add('team =', q.team);
  if (q.run !== undefined) add('run =', q.run);
  return { clauses, params };
}

function toSavings(r: Row): SavingsRow {
  return {
    group: r['grp'] === null ? null : String(r['grp']),
    reason: String(r['reason']) as SavingsRow['reason'],
    calls: num(r['calls']),
    costNanos: num(r['cost']),
    savedNanos: num(r['saved']),
  };
}
