/**
 * The CSV column set Tollgate exports (`tollgate export csv`) and imports (`tollgate import csv`): one
 * row per call, the ledger's columns in snake_case, times as ISO 8601 (UTC, milliseconds), booleans as
 * true/false, money as integer `cost_nanos` (exact) and `cost_usd` (for reading; ignored on import when
 * cost_nanos is present). Import needs only `started_at` and `model` (or `served_model`); see README.md.
 * Text cells that a spreadsheet would take for a formula are neutralised (csv-format.ts csvTextField);
 * the import undoes it.
 */
import type { CallRow } from '../../storage/types.js';
import { csvField, csvTextField } from './csv-format.js';

export const CSV_COLUMNS = [
  'id', 'started_at', 'first_byte_at', 'ended_at', 'key_id', 'team', 'user', 'project', 'run', 'agent', 'parent', 'tags',
  'endpoint', 'stream', 'provider', 'requested_model', 'served_model', 'input_tokens', 'cached_input_tokens',
  'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'cost_nanos', 'cost_usd', 'estimated',
  'status', 'http_status', 'error_code', 'upstream_request_id', 'attempt_of', 'route', 'cache_hit', 'saved_nanos',
  'request_hash', 'web_searches', 'service_tier',
] as const;

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());
const t = csvTextField;
const n = csvField;

/** One call as a CSV line, in CSV_COLUMNS order: text through csvTextField, numbers, times and booleans as they are. */
export function csvRow(r: CallRow): string {
  return `${[
    t(r.id), iso(r.startedAt), iso(r.firstByteAt), iso(r.endedAt), t(r.keyId), t(r.team), t(r.user), t(r.project), t(r.run), t(r.agent), t(r.parent), t(r.tags),
    t(r.endpoint), n(r.stream), t(r.provider), t(r.requestedModel), t(r.servedModel), n(r.inputTokens), n(r.cachedInputTokens),
    n(r.cacheWrite5mTokens), n(r.cacheWrite1hTokens), n(r.outputTokens), n(r.reasoningTokens), n(r.costNanos), (r.costNanos / 1e9).toFixed(9), n(r.estimated),
    t(r.status), n(r.httpStatus), t(r.errorCode), t(r.upstreamRequestId), t(r.attemptOf), t(r.route), n(r.cacheHit), n(r.savedNanos),
    t(r.requestHash), n(r.webSearches), t(r.serviceTier),
  ].join(',')}\n`;
}
