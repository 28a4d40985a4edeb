// throwaway: JS deltas vs SQL fold on the same batches
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../dist/storage/sqlite/database.js';
import { CALL_COLUMNS, callValues } from '../dist/storage/sqlite/call-columns.js';
import { foldAllSql } from '../dist/storage/rollups.js';
import { rollupDeltas, upsertDeltaSql } from '../dist/storage/rollup-deltas.js';
const dir = mkdtempSync(join(tmpdir(), 'foldmicro-'));
const N = 30000, BATCH = Number(process.env.B ?? 256), KEYS = Number(process.env.K ?? 200);
function rows(tag) {
  const out = []; let x = 1; const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0) / 4294967296);
  const t0 = Date.UTC(2026, 10, 25, 9);
  for (let i = 0; i < N; i++) { const k = Math.floor(KEYS * rnd() ** 3), m = Math.floor(rnd() * (KEYS > 1 ? 8 : 1)); const t = t0 + Math.floor(i * 0.13);
    out.push({ id: `${tag}${String(i).padStart(8, '0')}`, startedAt: t, firstByteAt: t + 40, endedAt: t + 300 + (i % 900), keyId: `k${k}`, team: `team-${k % 20}`, user: `user-${k % 120}`, project: `proj-${k % 30}`, run: null, agent: KEYS > 1 ? `agent-${i % 6}` : null, parent: null, tags: i % 4 === 0 && KEYS > 1 ? 'batch' : null, endpoint: 'chat', stream: false, provider: 'openai', requestedModel: `model-${m}`, servedModel: `model-${m}`, inputTokens: 1000, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 200, reasoningTokens: 0, costNanos: 1234567, estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: `r${i}`, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, features: null }); }
  return out;
}
const mk = (name, skip) => { const d = new SqliteDatabase(join(dir, name), { skipRollups: skip }); d.migrate(); return d; };
const js = mk('js.db', false), none = mk('none.db', true);
// SQL fold: insert via skip db then fold with SQL in same tx (as the old code)
const sqlDb = new Database(join(dir, 'none.db'));
const sqlStore = mk('sql.db', true);
const raw = new Database(join(dir, 'sql.db'));
raw.pragma('journal_mode = WAL'); raw.pragma('synchronous = NORMAL');
const ph = `(${CALL_COLUMNS.map(() => '?').join(', ')})`;
const ins = raw.prepare(`INSERT OR IGNORE INTO calls (${CALL_COLUMNS.join(', ')}) VALUES ${ph}`);
const last = raw.prepare('SELECT coalesce(max(rowid),0) AS r FROM calls').pluck();
const folds = foldAllSql('sqlite', '(SELECT * FROM calls WHERE rowid > @after) AS new_calls').map((s) => raw.prepare(s));
const W = CALL_COLUMNS.length;
const sqlTx = raw.transaction((v) => { const after = last.get(); for (let i = 0; i < v.length; i += W) ins.run(v.slice(i, i + W)); for (const f of folds) f.run({ after }); });
const noneTx = raw.transaction((v) => { for (let i = 0; i < v.length; i += W) ins.run(v.slice(i, i + W)); });
const res = { js: [], sql: [], none: [] };
for (let round = 0; round < 3; round++) for (const [name, fn] of [['js', (v) => js.appendCallValues(v)], ['sql', sqlTx], ['none', (v) => none.appendCallValues(v)]]) {
  const rs = rows(`${name}${round}-`); const bs = []; for (let i = 0; i < rs.length; i += BATCH) bs.push(callValues(rs.slice(i, i + BATCH)));
  const t = performance.now(); for (const b of bs) fn(b); res[name].push(((performance.now() - t) * 1000) / N);
}
console.log(`batch ${BATCH} keys ${KEYS}: us/row best`, Object.fromEntries(Object.entries(res).map(([k, v]) => [k, Math.min(...v).toFixed(1)])));
