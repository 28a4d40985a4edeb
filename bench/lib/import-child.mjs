/**
 * One import of a Claude Code directory into a fresh SQLite ledger, in its own process so its peak RSS
 * (process.resourceUsage().maxRSS, the SQLite worker thread included) is the import's alone.
 * Usage: node bench/lib/import-child.mjs <claude-dir> <ledger.db>; prints one JSON line.
 */
import { importClaudeCode } from '../../dist/import/claude-code/import.js';
import { importIntoLedger } from '../../dist/import/ledger-writer.js';
import { ImportPricer } from '../../dist/import/pricer.js';
import { SqliteStore } from '../../dist/storage/sqlite/index.js';

const [dir, db] = process.argv.slice(2);
const store = new SqliteStore(db, { batch: true }); // as `tollgate import` opens it
await store.migrate();
const started = process.hrtime.bigint();
const attribution = { team: 'bench', user: null, project: null, projectFromCwd: true, teamsByProject: {} };
const summary = await importIntoLedger(store, (writer) => importClaudeCode({ dirs: [dir], attribution, pricer: new ImportPricer(), writer }));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await store.close();
const ru = process.resourceUsage();
console.log(JSON.stringify({ seconds, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6, maxRssMB: ru.maxRSS / 1024, heapUsedMB: process.memoryUsage().heapUsed / 2 ** 20, summary }));
