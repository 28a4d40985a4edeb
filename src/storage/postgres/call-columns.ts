/**
 * The ledger's calls table on Postgres: its columns in insert order, a call row as bind parameters, and
 * the multi-row insert that folds the rows it really inserted into the rollups. Mirrors
 * sqlite/call-columns.ts; index.ts (the store) uses these.
 */
import type { CallRow } from '../types.js';
import { DIMENSION_ROLLUPS, foldRollupSql, foldTagsSql } from '../rollups.js';
import { foldSavingsSql } from '../savings-rollup.js';

export type Param = string | number | boolean | null | string[];

const CALL_COLUMNS = `id, started_at, first_byte_at, ended_at, key_id, team, "user", project, run, agent, parent, tags,
  endpoint, stream, provider, requested_model, served_model, input_tokens, cached_input_tokens,
  cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_nanos, estimated,
  status, http_status, error_code, upstream_request_id, attempt_of, route, cache_hit, saved_nanos, request_hash, web_searches, service_tier, features`;
const CALL_PARAMS = 37;
/** A scan's columns without the replay features (NULL in their place: no JSON to read). */
export const SCAN_COLUMNS_NO_FEATURES = CALL_COLUMNS.replace(/features$/, 'NULL AS features');
// Postgres allows 65535 bind parameters per statement; 1000 rows x 37 stays well under it.
export const CALL_CHUNK = 1000;

/**
 * One statement per chunk: the insert skips ids already in the ledger, and only the rows it RETURNs (the
 * ones really inserted) are folded into the rollups, by the migration's own SQL, atomically.
 */
export function insertCallsSql(n: number): string {
  const tuples: string[] = [];
  for (let r = 0; r < n; r++) {
    const base = r * CALL_PARAMS;
    tuples.push(`(${Array.from({ length: CALL_PARAMS }, (_, i) => `$${base + i + 1}`).join(', ')})`);
  }
  return `WITH ins AS (INSERT INTO calls (${CALL_COLUMNS}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING *),
    ${DIMENSION_ROLLUPS.map((r) => `${r.table} AS (${foldRollupSql('postgres', 'ins', r.table)}),`).join('\n    ')}
    tagged AS (${foldTagsSql('postgres', 'ins')}),
    saved AS (${foldSavingsSql('postgres', 'ins')})
    SELECT count(*)::int AS inserted FROM ins`;
}

export function callParams(r: CallRow): Param[] {
  return [
    r.id, r.startedAt, r.firstByteAt, r.endedAt, r.keyId, r.team, r.user, r.project, r.run, r.agent,
    r.parent, r.tags, r.endpoint, r.stream, r.provider, r.requestedModel, r.servedModel,
    r.inputTokens, r.cachedInputTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.outputTokens,
    r.reasoningTokens, r.costNanos, r.estimated, r.status, r.httpStatus, r.errorCode, r.upstreamRequestId,
    r.attemptOf, r.route, r.cacheHit, r.savedNanos, r.requestHash, r.webSearches, r.serviceTier,
    r.features ? JSON.stringify(r.features) : null,
  ];
}
