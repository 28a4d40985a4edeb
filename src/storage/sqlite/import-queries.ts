/**
 * The SQLite side of importing and reconciling: the provider_usage table.
 * Kept beside database.ts, which delegates to these.
 */
import type Database from 'better-sqlite3';
import type { ProviderUsageQuery, ProviderUsageRow } from '../types.js';
import type { SqlValue } from './call-columns.js';

type Row = Record<string, SqlValue>;

const COLUMNS = [
  'id', 'provider', 'kind', 'bucket_start', 'bucket_end', 'model', 'api_key_id', 'workspace', 'user_id', 'detail', 'requests',
  'input_tokens', 'cached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'cost_nanos', 'imported_at',
] as const;

export function upsertProviderUsage(db: Database.Database, rows: ProviderUsageRow[]): void {
  const stmt = db.prepare(
    `INSERT INTO provider_usage (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT(id) DO UPDATE SET ${COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );
  db.transaction(() => {
    for (const r of rows) {
      stmt.run(r.id, r.provider, r.kind, r.bucketStart, r.bucketEnd, r.model, r.apiKeyId, r.workspace, r.userId, r.detail, r.requests,
        r.inputTokens, r.cachedInputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.outputTokens, r.costNanos, r.importedAt);
    }
  }).immediate();
}

export function providerUsage(db: Database.Database, q: ProviderUsageQuery): ProviderUsageRow[] {
  const clauses: string[] = [];
  const params: SqlValue[] = [];
  if (q.provider !== undefined) {
    clauses.push('provider = ?');
    params.push(q.provider);
  }
  if (q.from !== undefined) {
    clauses.push('bucket_start >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    clauses.push('bucket_start < ?');
    params.push(q.to);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const rows = db.prepare(`SELECT * FROM provider_usage ${where} ORDER BY bucket_start, id`).all(...params) as Row[];
  return rows.map(toProviderUsage);
}

const s = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

function toProviderUsage(r: Row): ProviderUsageRow {
  const n = (k: string): number => Number(r[k]);
  const t = (k: string): string | null => s(r[k]);
  return {
    id: String(r['id']), provider: String(r['provider']), kind: String(r['kind']) as ProviderUsageRow['kind'],
    bucketStart: n('bucket_start'), bucketEnd: n('bucket_end'), model: t('model'), apiKeyId: t('api_key_id'), workspace: t('workspace'),
    userId: t('user_id'), detail: t('detail'), requests: n('requests'), inputTokens: n('input_tokens'), cachedInputTokens: n('cached_input_tokens'),
    cacheWrite5mTokens: n('cache_write_5m_tokens'), cacheWrite1hTokens: n('cache_write_1h_tokens'), outputTokens: n('output_tokens'),
    costNanos: n('cost_nanos'), importedAt: n('imported_at'),
  };
}

