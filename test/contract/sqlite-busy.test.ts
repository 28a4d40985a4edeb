// The SQLite store runs its connection in a worker loaded from dist/: run `npm run build` first.
/** Another writer holding the ledger's write lock for a moment (an import, a second process) delays a batch; it does not fail it. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import type { CallRow } from '../../src/storage/types.js';

const row = (id: string): CallRow => ({
  id, startedAt: Date.UTC(2026, 11, 7), firstByteAt: null, endedAt: Date.UTC(2026, 11, 7) + 500, keyId: 'k1', team: 'platform', user: null, project: null,
  run: null, agent: null, parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'gpt-a', servedModel: 'gpt-a',
  inputTokens: 10, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 4, reasoningTokens: 0, costNanos: 100,
  estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false,
  savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
});

describe('SQLite ledger with another writer', () => {
  it('waits out a write lock held by another process instead of failing the batch at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-busy-'));
    const path = join(dir, 'ledger.db');
    const store = new SqliteStore(path);
    try {
      await store.migrate();
      await store.appendCalls([row('call_before')]);
      // Another process takes the write lock and holds it for 800 ms.
      const holder = spawn(process.execPath, ['-e', `
        const db = require('better-sqlite3')(${JSON.stringify(path)});
        db.exec('BEGIN IMMEDIATE');
        process.stdout.write('locked\\n');
        setTimeout(() => { db.exec('COMMIT'); db.close(); }, 800);
      `], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((r) => holder.once('exit', r));
      await new Promise<void>((r) => holder.stdout.once('data', () => r()));
      const started = Date.now();
      expect(await store.appendCalls([row('call_during')])).toBe(1);
      expect(Date.now() - started).toBeGreaterThan(300);
      await exited;
      expect((await store.calls({ limit: 10 })).map((c) => c.id).sort()).toEqual(['call_before', 'call_during']);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
