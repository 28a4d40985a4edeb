/**
 * The Postgres side of importing and reconciling: the provider_usage table, read in
 * (bucket_start, id) order, with ids compared byte-wise (COLLATE "C") as SQLite does.
 */
import type { ProviderUsageQuery, ProviderUsageRow } from '../types.js';
import { num, type Row } from './schema.js';

type Param = string | number | boolean | null;

const COLUMNS = [
  'id', 'provider', 'kind', 'bucket_start', 'bucket_end', 'model', 'api_key_id', 'workspace', 'user_id', 'detail', 'requests',
  'input_tokens', 'cached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'cost_nanos', 'imported_at',
] as const;
// 18 parameters a row; 65535 bind parameters a statement.
const CHUNK = 1000;

export function upsertProviderUsageStatements(rows: ProviderUsageRow[]): { sql: string; params: Param[] }[] {
  const out: { sql: string; params: Param[] }[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const params: Param[] = [];
    const tuples = chunk.map((r) => {
      const base = params.length;
      params.push(r.id, r.provider, r.kind, r.bucketStart, r.bucketEnd, r.model, r.apiKeyId, r.workspace, r.userId, r.detail, r.requests,
        r.inputTokens, r.cachedInputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.outputTokens, r.costNanos, r.importedAt);
      return `(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`;
    });
    out.push({
      sql: `INSERT INTO provider_usage (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
        ON CONFLICT (id) DO UPDATE SET ${COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`,
      params,
    });
  }
  return out;
}

export function providerUsageQuery(q: ProviderUsageQuery): { sql: string; params: Param[] } {
  const clauses: string[] = [];
  const params: Param[] = [];
  const add = (op: string, v: Param): void => {
    params.push(v);
    clauses.push(`${op} $${params.length}`);
  };
  if (q.provider !== undefined) add('provider =', q.provider);
  if (q.from !== undefined) add('bucket_start >=', q.from);
  if (q.to !== undefined) add('bucket_start <', q.to);
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  return { sql: `SELECT * FROM provider_usage ${where} ORDER BY bucket_start, id COLLATE "C"`, params };
}

export function toProviderUsage(r: Row): ProviderUsageRow {
  const t = (k: string): string | null => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  return {
    id: String(r['id']), provider: String(r['provider']), kind: String(r['kind']) as ProviderUsageRow['kind'],
    bucketStart: num(r['bucket_start']), bucketEnd: num(r['bucket_end']), model: t('model'), apiKeyId: t('api_key_id'), workspace: t('workspace'),
    userId: t('user_id'), detail: t('detail'), requests: num(r['requests']), inputTokens: num(r['input_tokens']), cachedInputTokens: num(r['cached_input_tokens']),
    cacheWrite5mTokens: num(r['cache_write_5m_tokens']), cacheWrite1hTokens: num(r['cache_write_1h_tokens']), outputTokens: num(r['output_tokens']),
    costNanos: num(r['cost_nanos']), importedAt: num(r['imported_at']),
  };
}
