/**
 * The Postgres tables: migrations, applied in order (the count applied is kept in meta.schema_version, as
 * in SQLite, so both backends report the same version for the same tables), and the mapping of their
 * rows back to records. Money and times are BIGINT (nanos, epoch ms); `user` is quoted because it is a
 * reserved word in Postgres.
 */
import type { PoolClient } from 'pg';
import type { BudgetRecord, CallFeatures, CallRow, KeyRecord, OutcomeRecord } from '../types.js';
import { foldAllSql, rebuildRollupsSql, rollupTablesSql, RUN_INDEX_SQL } from '../rollups.js';
import { foldSavingsSql, savingsTableSql } from '../savings-rollup.js';

/** A result row as node-pg hands it over, before mapping to a record. */
export type Row = Record<string, unknown>;

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE keys (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     name TEXT,
     team TEXT NOT NULL,
     "user" TEXT,
     project TEXT,
     models JSONB,
     created_at BIGINT NOT NULL,
     revoked_at BIGINT
   );
   CREATE TABLE calls (
     id TEXT PRIMARY KEY,
     started_at BIGINT NOT NULL,
     first_byte_at BIGINT,
     ended_at BIGINT NOT NULL,
     key_id TEXT NOT NULL,
     team TEXT NOT NULL,
     "user" TEXT,
     project TEXT,
     run TEXT,
     agent TEXT,
     parent TEXT,
     tags TEXT,
     endpoint TEXT NOT NULL,
     stream BOOLEAN NOT NULL,
     provider TEXT,
     requested_model TEXT,
     served_model TEXT,
     input_tokens BIGINT NOT NULL,
     cached_input_tokens BIGINT NOT NULL,
     cache_write_5m_tokens BIGINT NOT NULL,
     cache_write_1h_tokens BIGINT NOT NULL,
     output_tokens BIGINT NOT NULL,
     reasoning_tokens BIGINT NOT NULL,
     cost_nanos BIGINT NOT NULL,
     estimated BOOLEAN NOT NULL,
     status TEXT NOT NULL,
     http_status INTEGER NOT NULL,
     error_code TEXT,
     upstream_request_id TEXT
   );
   CREATE INDEX calls_started_at ON calls (started_at);
   CREATE INDEX calls_team_started ON calls (team, started_at);
   CREATE INDEX calls_run ON calls (run) WHERE run IS NOT NULL;`,
  `CREATE TABLE budgets (
     id TEXT PRIMARY KEY,
     scope TEXT NOT NULL,
     period TEXT NOT NULL,
     limit_nanos BIGINT NOT NULL,
     limit_tokens BIGINT,
     alert_at JSONB NOT NULL,
     downgrade JSONB,
     clamp BOOLEAN NOT NULL,
     source TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );`,
  `ALTER TABLE keys ADD COLUMN unlimited BOOLEAN NOT NULL DEFAULT false;`,
  `ALTER TABLE calls ADD COLUMN attempt_of TEXT;
   ALTER TABLE calls ADD COLUMN route TEXT;
   ALTER TABLE calls ADD COLUMN cache_hit BOOLEAN NOT NULL DEFAULT false;
   ALTER TABLE calls ADD COLUMN saved_nanos BIGINT NOT NULL DEFAULT 0;`,
  // Request fingerprints (duplicate detection, replay of the cache).
  `ALTER TABLE calls ADD COLUMN request_hash TEXT;`,
  // Outcomes and ROI: reported outcomes (a run, project and/or team; a label; a value in nano-dollars).
  `CREATE TABLE outcomes (
     id TEXT PRIMARY KEY,
     run TEXT,
     project TEXT,
     team TEXT,
     agent TEXT,
     label TEXT NOT NULL,
     value_nanos BIGINT NOT NULL,
     at BIGINT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE INDEX outcomes_at ON outcomes (at);`,
  // Budget pacing (spend insight): the pacing action and model of a paced budget.
  `ALTER TABLE budgets ADD COLUMN pace JSONB;`,
  // Import: provider usage and cost reports (OpenAI usage/costs API, Anthropic usage/cost report), kept
  // apart from the call ledger; see ProviderUsageRow in storage/types.ts.
  `CREATE TABLE provider_usage (
     id TEXT PRIMARY KEY,
     provider TEXT NOT NULL,
     kind TEXT NOT NULL,
     bucket_start BIGINT NOT NULL,
     bucket_end BIGINT NOT NULL,
     model TEXT,
     api_key_id TEXT,
     workspace TEXT,
     user_id TEXT,
     detail TEXT,
     requests BIGINT NOT NULL,
     input_tokens BIGINT NOT NULL,
     cached_input_tokens BIGINT NOT NULL,
     cache_write_5m_tokens BIGINT NOT NULL,
     cache_write_1h_tokens BIGINT NOT NULL,
     output_tokens BIGINT NOT NULL,
     cost_nanos BIGINT NOT NULL,
     imported_at BIGINT NOT NULL
   );
   CREATE INDEX provider_usage_bucket ON provider_usage (provider, bucket_start);
   -- Replaces calls_started_at: the same range scans, plus keyset paging by (started_at, id) for exports
   -- and reconcile, for no extra index to maintain on every insert.
   DROP INDEX calls_started_at;
   CREATE INDEX calls_started_id ON calls (started_at, id COLLATE "C");`,
  // Replay: what the policies decided on per call (sizes, flags, run-guard sketches; JSON, never the prompt).
  `ALTER TABLE calls ADD COLUMN features TEXT;`,
  // Spend analytics: hourly and tag rollups maintained by appendCalls, back-filled from the ledger here.
  `${rollupTablesSql('postgres')};
   ${foldAllSql('postgres', 'calls').join(';\n')};`,
  // Dashboard savings: routed/downgraded/cached calls per hour and reason, back-filled from the ledger here.
  `${savingsTableSql('postgres')};
   ${foldSavingsSql('postgres', 'calls')};`,
  // Finer latency buckets below 100 ms (5, 10, 25, 50): the rollups are built again from the ledger.
  rebuildRollupsSql('postgres'),
  // The run index holds only calls with a run (most calls have none, and each one cost an index entry to
  // insert); `run = ?` is still answered from it. It covers everything the older calls_run did.
  RUN_INDEX_SQL,
  // Per call: the web searches the provider ran (billed per search) and the service tier that served it.
  `ALTER TABLE calls ADD COLUMN web_searches BIGINT NOT NULL DEFAULT 0;
   ALTER TABLE calls ADD COLUMN service_tier TEXT;`,
];

/**
 * Apply pending migrations on `client`, all in one transaction. The transaction-scoped advisory lock
 * (keyed by schema, so isolated schemas don't wait on each other) makes instances that start together
 * queue up: the first applies the migrations, the others then find nothing left to do. Taking it before
 * CREATE TABLE IF NOT EXISTS matters: two concurrent IF NOT EXISTS creations can still collide.
 */
export async function runMigrations(client: PoolClient, schema: string): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tollgate:migrate:${schema}`]);
    if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const res = await client.query<{ value: string }>("SELECT value FROM meta WHERE name = 'schema_version'");
    let version = res.rows[0] ? Number(res.rows[0].value) : 0;
    for (; version < MIGRATIONS.length; version++) {
      // No parameters: the simple query protocol, which accepts several statements at once.
      await client.query(MIGRATIONS[version]!);
    }
    await client.query(
      "INSERT INTO meta(name, value) VALUES ('schema_version', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      [String(version)],
    );
    await client.query('COMMIT');
    return version;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * node-pg returns BIGINT (and count/sum casts to it) as a decimal string, since it may not fit a JS
 * number. Nanos and epoch ms stay exact up to 2^53 (about 9 million dollars in one sum); past that a
 * spend report loses a few nanos rather than failing.
 */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  throw new Error(`expected a number from Postgres, got ${typeof v}`);
}
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toKey(r: Row): KeyRecord {
  return {
    id: String(r['id']),
    hash: String(r['hash']),
    name: str(r['name']),
    team: String(r['team']),
    user: str(r['user']),
    project: str(r['project']),
    // JSONB comes back parsed; we wrote it, from a string[].
    models: (r['models'] ?? null) as string[] | null,
    unlimited: r['unlimited'] === true,
    createdAt: num(r['created_at']),
    revokedAt: numOrNull(r['revoked_at']),
  };
}

export function toBudget(r: Row): BudgetRecord {
  return {
    id: String(r['id']),
    scope: String(r['scope']),
    period: String(r['period']) as BudgetRecord['period'],
    limitNanos: num(r['limit_nanos']),
    limitTokens: numOrNull(r['limit_tokens']),
    alertAt: r['alert_at'] as number[],
    downgrade: (r['downgrade'] ?? null) as BudgetRecord['downgrade'],
    clamp: r['clamp'] === true,
    source: String(r['source']) as BudgetRecord['source'],
    createdAt: num(r['created_at']),
    pace: (r['pace'] ?? null) as BudgetRecord['pace'],
  };
}

export function toCall(r: Row): CallRow {
  return {
    id: String(r['id']),
    startedAt: num(r['started_at']),
    firstByteAt: numOrNull(r['first_byte_at']),
    endedAt: num(r['ended_at']),
    keyId: String(r['key_id']),
    team: String(r['team']),
    user: str(r['user']),
    project: str(r['project']),
    run: str(r['run']),
    agent: str(r['agent']),
    parent: str(r['parent']),
    tags: str(r['tags']),
    endpoint: String(r['endpoint']) as CallRow['endpoint'],
    stream: r['stream'] === true,
    provider: str(r['provider']),
    requestedModel: str(r['requested_model']),
    servedModel: str(r['served_model']),
    inputTokens: num(r['input_tokens']),
    cachedInputTokens: num(r['cached_input_tokens']),
    cacheWrite5mTokens: num(r['cache_write_5m_tokens']),
    cacheWrite1hTokens: num(r['cache_write_1h_tokens']),
    outputTokens: num(r['output_tokens']),
    reasoningTokens: num(r['reasoning_tokens']),
    costNanos: num(r['cost_nanos']),
    estimated: r['estimated'] === true,
    status: String(r['status']) as CallRow['status'],
    httpStatus: num(r['http_status']),
    errorCode: str(r['error_code']),
    upstreamRequestId: str(r['upstream_request_id']),
    attemptOf: str(r['attempt_of']),
    route: str(r['route']),
    cacheHit: r['cache_hit'] === true,
    savedNanos: num(r['saved_nanos']),
    requestHash: str(r['request_hash']),
    webSearches: r['web_searches'] === null || r['web_searches'] === undefined ? 0 : num(r['web_searches']),
    serviceTier: str(r['service_tier']),
    features: typeof r['features'] === 'string' ? (JSON.parse(r['features']) as CallFeatures) : null,
  };
}

export function toOutcome(r: Row): OutcomeRecord {
  return {
    id: String(r['id']),
    run: str(r['run']),
    project: str(r['project']),
    team: str(r['team']),
    agent: str(r['agent']),
    label: String(r['label']),
    valueNanos: num(r['value_nanos']),
    at: num(r['at']),
    createdAt: num(r['created_at']),
  };
}
