/** A new SQLite ledger uses 8 KB pages; one made with another page size opens and keeps its own. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { generateLedger } from '../contract/analytics.contract.js';
import { callValues } from '../../src/storage/sqlite/call-columns.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const pageSize = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
};

describe('SQLite ledger page size', () => {
  it('makes a new ledger with 8 KB pages', () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-page-'));
    const path = join(dir, 'ledger.db');
    const db = new SqliteDatabase(path);
    db.migrate();
    db.appendCallValues(callValues(generateLedger(50, 1)));
    db.close();
    expect(pageSize(path)).toBe(8192);
  });

  it('opens a ledger made with 4 KB pages as it is, its calls intact', () => {
    dir = mkdtempSync(join(tmpdir(), 'tg-page-'));
    const path = join(dir, 'ledger.db');
    const old = new Database(path);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.close();
    const ledger = generateLedger(50, 1);
    const db = new SqliteDatabase(path);
    db.migrate();
    db.appendCallValues(callValues(ledger));
    db.close();
    const again = new SqliteDatabase(path);
    expect(again.calls({ limit: 100 }).length).toBe(ledger.length);
    again.close();
    expect(pageSize(path)).toBe(4096);
  });
});
