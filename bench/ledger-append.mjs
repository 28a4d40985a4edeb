// CPU the SQLite ledger's worker spends per recorded call: gateway-like rows appended in flushes of the
// gateway's size (packed as the gateway packs them), timed by this thread's CPU (the store runs here,
// synchronously, exactly what its worker thread runs). Usage: node bench/ledger-append.mjs [dist dir]
// [rows] [flush] [run share 0..1]. Prints user+sys us per row, the file's size and the WAL's. To try a
// setting without a build: LEDGER_SQL (run after the migrations), LEDGER_PAGE_SIZE (a new file's), LEDGER_SKIP_ROLLUPS=1 (no rollup fold);
// LEDGER_WORKER=1 records through the store's worker thread instead (its CPU read from /proc).
// The machine's noise is large: compare medians of several runs, alternating the variants.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const total = Number(process.argv[3] ?? 60_000);
const flush = Number(process.argv[4] ?? 300);
const runShare = Number(process.argv[5] ?? 0);
const { SqliteDatabase } = await import(pathToFileURL(join(dist, 'storage/sqlite/database.js')).href);
const { packCallRows } = await import(pathToFileURL(join(dist, 'storage/sqlite/call-pack.js')).href);
const { newCallId } = await import(pathToFileURL(join(dist, 'pipeline/call-id.js')).href);

const features = { bytes: 812, promptBound: 400, outputBound: null, choices: 1, tools: false, images: false, routeHeader: null, noCache: false,
  unlimited: false, upstreamStatus: 200, request: { sketch: [4_294_967_295, 7], words: 41, fresh: true }, output: null };
let t = Date.UTC(2026, 11, 1);
let seq = 0;
function row() {
  t += seq++ % 3 === 0 ? 1 : 0; // ~3 calls a millisecond: a few flushes an hour's rollup rows see
  const run = Math.random() < runShare ? `run-${seq % 500}` : null;
  return {
    id: newCallId(t), startedAt: t, firstByteAt: t + 20, endedAt: t + 31, keyId: `key_${seq % 4}`, team: 'bench', user: null, project: null,
    run, agent: null, parent: null, tags: null, endpoint: 'chat.completions', stream: false, provider: 'openai',
    requestedModel: 'gpt-4o-mini', servedModel: 'gpt-4o-mini', inputTokens: 412, cachedInputTokens: 0, cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0, outputTokens: 96, reasoningTokens: 0, costNanos: 119_400, estimated: false, status: 'ok', httpStatus: 200,
    errorCode: null, upstreamRequestId: `chatcmpl-${seq}`, attemptOf: null, route: null, cacheHit: false, savedNanos: 0,
    requestHash: null, webSearches: 0, serviceTier: null, features,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ledger-append-'));
if (process.env.LEDGER_PAGE_SIZE) {
  // A new file with another page size (it must be set before the first table, and outside WAL).
  const { default: Database } = await import('better-sqlite3');
  const pre = new Database(join(dir, 'ledger.db'));
  pre.pragma(`page_size = ${Number(process.env.LEDGER_PAGE_SIZE)}`);
  pre.exec('VACUUM');
  pre.close();
}
const size = (f) => { try { return statSync(join(dir, f)).size; } catch { return 0; } };
const round = (v) => Number(v.toFixed(2));
if (process.env.LEDGER_WORKER === '1') {
  // Through the store's worker thread, as the gateway records: CPU of every thread but this one (the
  // worker, and V8's helpers), read from /proc in clock ticks, per row.
  const { SqliteStore } = await import(pathToFileURL(join(dist, 'storage/sqlite/index.js')).href);
  const store = new SqliteStore(join(dir, 'ledger.db'), { skipRollups: process.env.LEDGER_SKIP_ROLLUPS === '1' });
  await store.migrate();
  const others = () => readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid)
    .reduce((sum, t) => { const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' '); return sum + Number(f[11]) + Number(f[12]); }, 0);
  const batches = (n) => Array.from({ length: Math.ceil(n / flush) }, () => Array.from({ length: flush }, row));
  for (const b of batches(total / 2)) await store.appendCalls(b);
  const todo = batches(total);
  const before = others();
  for (const b of todo) await store.appendCalls(b);
  const ticks = others() - before;
  console.log(JSON.stringify({ workerUsPerRow: round((ticks * 10_000) / (todo.length * flush)), dbMB: +(size('ledger.db') / 1e6).toFixed(1) }));
  await store.close();
} else {
  const db = new SqliteDatabase(join(dir, 'ledger.db'), { skipRollups: process.env.LEDGER_SKIP_ROLLUPS === '1' });
  db.migrate();
  if (process.env.LEDGER_SQL) db.db.exec(process.env.LEDGER_SQL);
  const flushes = (n) => Array.from({ length: Math.ceil(n / flush) }, () => packCallRows(Array.from({ length: flush }, row)));
  for (const p of flushes(total / 2)) db.appendCallPack(p); // a ledger already holding some rows: deeper indexes
  const packs = flushes(total);
  const before = process.cpuUsage();
  for (const p of packs) db.appendCallPack(p);
  const used = process.cpuUsage(before);
  const rows = packs.length * flush;
  console.log(JSON.stringify({ usPerRow: round((used.user + used.system) / rows), userUs: round(used.user / rows), sysUs: round(used.system / rows), dbMB: +(size('ledger.db') / 1e6).toFixed(1), walMB: +(size('ledger.db-wal') / 1e6).toFixed(1) }));
  db.close();
}
rmSync(dir, { recursive: true, force: true });
