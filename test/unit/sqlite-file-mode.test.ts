/** The SQLite ledger holds key hashes and their HMAC secret: its files are readable by their owner only. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite ledger file mode', () => {
  it('creates the database, its WAL and its folder owner-only, whatever the umask', () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-mode-'));
    const path = join(dir, 'nested', 'ledger.db');
    const old = process.umask(0o022);
    try {
      const db = new SqliteDatabase(path);
      db.migrate();
      db.setMetaIfAbsent('key_secret', 'x');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
      db.close();
    } finally {
      process.umask(old);
    }
  });
});
