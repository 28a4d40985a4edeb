/** SQLite rows as the store's records (keys, budgets, calls, savings): the other way round from call-pack.ts. */
import type { BudgetRecord, CallFeatures, CallRow, KeyRecord, SavingsRow } from '../types.js';
import type { SqlValue } from './call-columns.js';

export type Row = Record<string, SqlValue>;

export function toSavings(r: Row): SavingsRow {
  return {
    group: r['grp'] === null ? null : String(r['grp']),
    reason: String(r['reason']) as SavingsRow['reason'],
    calls: Number(r['calls']),
    costNanos: Number(r['cost']),
    savedNanos: Number(r['saved']),
  };
}

const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

export function toKey(r: Row): KeyRecord {
  const models = str(r['models']);
  return {
    id: String(r['id']),
    hash: String(r['hash']),
    name: str(r['name']),
    team: String(r['team']),
    user: str(r['user']),
    project: str(r['project']),
    models: models ? (JSON.parse(models) as string[]) : null,
    unlimited: Number(r['unlimited']) === 1,
    createdAt: Number(r['created_at']),
    revokedAt: r['revoked_at'] === null ? null : Number(r['revoked_at']),
  };
}

export function toBudget(r: Row): BudgetRecord {
  const downgrade = str(r['downgrade']);
  const pace = str(r['pace']);
  return {
    id: String(r['id']),
    scope: String(r['scope']),
    period: String(r['period']) as BudgetRecord['period'],
    limitNanos: Number(r['limit_nanos']),
    limitTokens: r['limit_tokens'] === null ? null : Number(r['limit_tokens']),
    alertAt: JSON.parse(String(r['alert_at'])) as number[],
    downgrade: downgrade ? (JSON.parse(downgrade) as BudgetRecord['downgrade']) : null,
    clamp: Number(r['clamp']) === 1,
    source: String(r['source']) as BudgetRecord['source'],
    createdAt: Number(r['created_at']),
    pace: pace ? (JSON.parse(pace) as BudgetRecord['pace']) : null,
  };
}

export function toCall(r: Row): CallRow {
  return {
    id: String(r['id']),
    startedAt: Number(r['started_at']),
    firstByteAt: r['first_byte_at'] === null ? null : Number(r['first_byte_at']),
    endedAt: Number(r['ended_at']),
    keyId: String(r['key_id']),
    team: String(r['team']),
    user: str(r['user']),
    project: str(r['project']),
    run: str(r['run']),
    agent: str(r['agent']),
    parent: str(r['parent']),
    tags: str(r['tags']),
    endpoint: String(r['endpoint']) as CallRow['endpoint'],
    stream: Number(r['stream']) === 1,
    provider: str(r['provider']),
    requestedModel: str(r['requested_model']),
    servedModel: str(r['served_model']),
    inputTokens: Number(r['input_tokens']),
    cachedInputTokens: Number(r['cached_input_tokens']),
    cacheWrite5mTokens: Number(r['cache_write_5m_tokens']),
    cacheWrite1hTokens: Number(r['cache_write_1h_tokens']),
    outputTokens: Number(r['output_tokens']),
    reasoningTokens: Number(r['reasoning_tokens']),
    costNanos: Number(r['cost_nanos']),
    estimated: Number(r['estimated']) === 1,
    status: String(r['status']) as CallRow['status'],
    httpStatus: Number(r['http_status']),
    errorCode: str(r['error_code']),
    upstreamRequestId: str(r['upstream_request_id']),
    attemptOf: str(r['attempt_of']),
    route: str(r['route']),
    cacheHit: Number(r['cache_hit']) === 1,
    savedNanos: Number(r['saved_nanos']),
    requestHash: r['request_hash'] === null || r['request_hash'] === undefined ? null : String(r['request_hash']),
    webSearches: r['web_searches'] === null || r['web_searches'] === undefined ? 0 : Number(r['web_searches']),
    serviceTier: str(r['service_tier']),
    features: typeof r['features'] === 'string' ? (JSON.parse(r['features']) as CallFeatures) : null,
  };
}
