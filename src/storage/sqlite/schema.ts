import { foldAllSql, rebuildRollupsSql, rollupTablesSql, RUN_INDEX_SQL } from '../rollups.js';
import { foldSavingsSql, savingsTableSql } from '../savings-rollup.js';

/** SQLite migrations, applied in order; the index of the last applied one is kept in meta.schema_version. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE keys (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     name TEXT,
     team TEXT NOT NULL,
     user TEXT,
     project TEXT,
     models TEXT,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE TABLE calls (
     id TEXT PRIMARY KEY,
     started_at INTEGER NOT NULL,
     first_byte_at INTEGER,
     ended_at INTEGER NOT NULL,
     key_id TEXT NOT NULL,
     team TEXT NOT NULL,
     user TEXT,
     project TEXT,
     run TEXT,
     agent TEXT,
     parent TEXT,
     tags TEXT,
     endpoint TEXT NOT NULL,
     stream INTEGER NOT NULL,
     provider TEXT,
     requested_model TEXT,
     served_model TEXT,
     input_tokens INTEGER NOT NULL,
     cached_input_tokens INTEGER NOT NULL,
     cache_write_5m_tokens INTEGER NOT NULL,
     cache_write_1h_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     reasoning_tokens INTEGER NOT NULL,
     cost_nanos INTEGER NOT NULL,
     estimated INTEGER NOT NULL,
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
     limit_nanos INTEGER NOT NULL,
     limit_tokens INTEGER,
     alert_at TEXT NOT NULL,
     downgrade TEXT,
     clamp INTEGER NOT NULL,
     source TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  `ALTER TABLE keys ADD COLUMN unlimited INTEGER NOT NULL DEFAULT 0;`,
  `ALTER TABLE calls ADD COLUMN attempt_of TEXT;
   ALTER TABLE calls ADD COLUMN route TEXT;
   ALTER TABLE calls ADD COLUMN cache_hit INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE calls ADD COLUMN saved_nanos INTEGER NOT NULL DEFAULT 0;`,
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
     value_nanos INTEGER NOT NULL,
     at INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX outcomes_at ON outcomes (at);`,
  // Budget pacing (spend insight): the pacing action and model of a paced budget, as JSON.
  `ALTER TABLE budgets ADD COLUMN pace TEXT;`,
  // Import: provider usage and cost reports (OpenAI usage/costs API, Anthropic usage/cost report), kept
  // apart from the call ledger; see ProviderUsageRow in storage/types.ts.
  `CREATE TABLE provider_usage (
     id TEXT PRIMARY KEY,
     provider TEXT NOT NULL,
     kind TEXT NOT NULL,
     bucket_start INTEGER NOT NULL,
     bucket_end INTEGER NOT NULL,
     model TEXT,
     api_key_id TEXT,
     workspace TEXT,
     user_id TEXT,
     detail TEXT,
     requests INTEGER NOT NULL,
     input_tokens INTEGER NOT NULL,
     cached_input_tokens INTEGER NOT NULL,
     cache_write_5m_tokens INTEGER NOT NULL,
     cache_write_1h_tokens INTEGER NOT NULL,
     output_tokens INTEGER NOT NULL,
     cost_nanos INTEGER NOT NULL,
     imported_at INTEGER NOT NULL
   );
   CREATE INDEX provider_usage_bucket ON provider_usage (provider, bucket_start);
   -- Replaces calls_started_at: the same range scans, plus keyset paging by (started_at, id) for exports
   -- and reconcile, for no extra index to maintain on every insert.
   DROP INDEX calls_started_at;
   CREATE INDEX calls_started_id ON calls (started_at, id);`,
  // Replay: what the policies decided on per call (sizes, flags, run-guard sketches; JSON, never the prompt).
  `ALTER TABLE calls ADD COLUMN features TEXT;`,
  // Spend analytics: hourly and tag rollups maintained by appendCalls, back-filled from the ledger here.
  `${rollupTablesSql('sqlite')};
   ${foldAllSql('sqlite', 'calls').join(';\n')};`,
  // Dashboard savings: routed/downgraded/cached calls per hour and reason, back-filled from the ledger here.
  `${savingsTableSql('sqlite')};
   ${foldSavingsSql('sqlite', 'calls')};`,
  // Finer latency buckets below 100 ms (5, 10, 25, 50): the rollups are built again from the ledger.
  rebuildRollupsSql('sqlite'),
  // The run index holds only calls with a run (most calls have none, and each one cost an index entry to
  // insert); `run = ?` is still answered from it. It covers everything the older calls_run did.
  RUN_INDEX_SQL,
  // Per call: the web searches the provider ran (billed per search) and the service tier that served it.
  `ALTER TABLE calls ADD COLUMN web_searches INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE calls ADD COLUMN service_tier TEXT;`,
];
