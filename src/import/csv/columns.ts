/**
 * The CSV column set Tollgate exports (`tollgate export csv`) and imports (`tollgate import csv`): one
 * row per call, the ledger's columns in snake_case, times as ISO 8601 (UTC, milliseconds), booleans as
 * true/false, money as integer `cost_nanos` (exact) and `cost_usd` (for reading; ignored on import when
 * cost_nanos is present). Import needs only `started_at` and `model` (or `served_model`); see README.md.
 */
import type { CallRow } from '../../storage/types.js';

export const CSV_COLUMNS = [
  'id', 'started_at', 'first_byte_at', 'ended_at', 'key_id', 'team', 'user', 'project', 'run', 'agent', 'parent', 'tags',
  'endpoint', 'stream', 'provider', 'requested_model', 'served_model', 'input_tokens', 'cached_input_tokens',
  'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'cost_nanos', 'cost_usd', 'estimated',
  'status', 'http_status', 'error_code', 'upstream_request_id', 'attempt_of', 'route', 'cache_hit', 'saved_nanos',
  'request_hash',
] as const;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function csvValues(r: CallRow): (string | number | boolean | null)[] {
  return [
    r.id, iso(r.startedAt), iso(r.firstByteAt), iso(r.endedAt), r.keyId, r.team, r.user, r.project, r.run, r.agent, r.parent, r.tags,
    r.endpoint, r.stream, r.provider, r.requestedModel, r.servedModel, r.inputTokens, r.cachedInputTokens,
    r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.outputTokens, r.reasoningTokens, r.costNanos, (r.costNanos / 1e9).toFixed(9), r.estimated,
    r.status, r.httpStatus, r.errorCode, r.upstreamRequestId, r.attemptOf, r.route, r.cacheHit, r.savedNanos,
    r.requestHash,
  ];
}
