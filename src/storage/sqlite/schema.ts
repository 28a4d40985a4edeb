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
  // Replay: what the policies decided on per call (sizes, flags, run-guard sketches; JSON, never the prompt).
  `ALTER TABLE calls ADD COLUMN features TEXT;`,
];
