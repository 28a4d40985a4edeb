import { describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { Recorder } from '../../src/pipeline/record.js';
import type { CallRow, Store } from '../../src/storage/types.js';

/** A logger whose lines (each row it gives up on among them) land in the returned array. */
function captureLog(): { log: Logger; lines: { msg: string; row?: CallRow }[] } {
  const lines: { msg: string; row?: CallRow }[] = [];
  return { log: pino({ level: 'error' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; row?: CallRow }) }), lines };
}

describe('Recorder.close with a store that keeps refusing', () => {
  it('logs every row it could not write instead of dropping it silently', async () => {
    const { log, lines } = captureLog();
    const store = { appendCalls: () => Promise.reject(new Error('store down')) } as unknown as Store;
    const recorder = new Recorder(store, log, 1000);
    recorder.record({ id: 'call_a' } as CallRow);
    recorder.record({ id: 'call_b' } as CallRow);
    await recorder.close();
    const kept = lines.filter((l) => l.row).map((l) => l.row!.id);
    expect(kept).toEqual(['call_a', 'call_b']);
    expect(recorder.pending).toBe(0);
  });
});

describe('Recorder with a store that throws synchronously on a row', () => {
  it('writes the other rows and logs the bad one instead of losing the whole batch', async () => {
    const { log, lines } = captureLog();
    const written: string[] = [];
    const store = {
      appendCalls: (rows: CallRow[]) => {
        // As packing a row it cannot encode throws, before any promise exists.
        if (rows.some((r) => r.id === 'call_bad')) throw new TypeError('cannot pack');
        written.push(...rows.map((r) => r.id));
        return Promise.resolve();
      },
    } as unknown as Store;
    const recorder = new Recorder(store, log, 1000);
    for (const id of ['call_a', 'call_bad', 'call_b']) recorder.record({ id } as CallRow);
    await recorder.close();
    expect(written).toEqual(['call_a', 'call_b']);
    expect(lines.filter((l) => l.row).map((l) => l.row!.id)).toEqual(['call_bad']);
  });
});

describe('Recorder with a store away for a while', () => {
  it('keeps every row while the store says it is away (locked, full, unreachable), however many flushes fail', async () => {
    const { log, lines } = captureLog();
    const written: string[] = [];
    let away = 6;
    const store = {
      appendCalls: (rows: CallRow[]) => {
        if (away-- > 0) return Promise.reject(Object.assign(new Error('sqlite: database is locked'), { code: 'SQLITE_BUSY' }));
        written.push(...rows.map((r) => r.id));
        return Promise.resolve(rows.length);
      },
    } as unknown as Store;
    const recorder = new Recorder(store, log, 1000);
    for (const id of ['call_a', 'call_b', 'call_c']) recorder.record({ id } as CallRow);
    for (let i = 0; i < 6; i++) await recorder.flush();
    expect(recorder.pending).toBe(3);
    await recorder.flush();
    expect(written).toEqual(['call_a', 'call_b', 'call_c']);
    expect(lines.filter((l) => l.row)).toEqual([]);
  });

  it('gives no row up when the store comes back while the batch is written row by row', async () => {
    const { log, lines } = captureLog();
    const written: string[] = [];
    // An error that does not say the store is away: three whole-batch failures, then two rows refused, then it works.
    let failing = 5;
    const store = {
      appendCalls: (rows: CallRow[]) => {
        if (failing-- > 0) return Promise.reject(new Error('I/O hiccup'));
        written.push(...rows.map((r) => r.id));
        return Promise.resolve(rows.length);
      },
    } as unknown as Store;
    const recorder = new Recorder(store, log, 1000);
    for (const id of ['call_a', 'call_b', 'call_c', 'call_d']) recorder.record({ id } as CallRow);
    for (let i = 0; i < 3; i++) await recorder.flush();
    expect(written.sort()).toEqual(['call_a', 'call_b', 'call_c', 'call_d']);
    expect(lines.filter((l) => l.row)).toEqual([]);
    expect(recorder.pending).toBe(0);
  });

  it('gives up only a row the working store refuses twice', async () => {
    const { log, lines } = captureLog();
    const written: string[] = [];
    const store = {
      appendCalls: (rows: CallRow[]) => {
        if (rows.some((r) => r.id === 'call_bad')) return Promise.reject(new Error('value out of range'));
        written.push(...rows.map((r) => r.id));
        return Promise.resolve(rows.length);
      },
    } as unknown as Store;
    const recorder = new Recorder(store, log, 1000);
    for (const id of ['call_a', 'call_bad', 'call_b']) recorder.record({ id } as CallRow);
    for (let i = 0; i < 3; i++) await recorder.flush();
    expect(written).toEqual(['call_a', 'call_b']);
    expect(lines.filter((l) => l.row).map((l) => l.row!.id)).toEqual(['call_bad']);
    expect(recorder.pending).toBe(0);
  });
});

describe('Recorder with a spill directory', () => {
  it('keeps the rows a store refuses at shutdown in a file, and the next start writes them', async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-spill-'));
    try {
      const { log, lines } = captureLog();
      const down = { appendCalls: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) } as unknown as Store;
      const first = new Recorder(down, log, 1000, dir);
      first.start();
      first.record({ id: 'call_a', team: 'platform', costNanos: 5 } as CallRow);
      first.record({ id: 'call_b', team: 'platform', costNanos: 7 } as CallRow);
      await first.close();
      expect(readdirSync(dir)).toHaveLength(1);
      expect(lines.filter((l) => l.row)).toEqual([]);

      const written: CallRow[] = [];
      const up = { appendCalls: (rows: CallRow[]) => (written.push(...rows), Promise.resolve(rows.length)) } as unknown as Store;
      const next = new Recorder(up, log, 1000, dir);
      next.start();
      next.record({ id: 'call_c' } as CallRow);
      await next.close();
      expect(written.map((r) => [r.id, r.costNanos])).toEqual([['call_a', 5], ['call_b', 7], ['call_c', undefined]]);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads rows spilled by an earlier version (no web searches, no service tier) as 0 and null, so the store takes them', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readSpilled } = await import('../../src/pipeline/record-spill.js');
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-spill-'));
    try {
      writeFileSync(join(dir, 'unwritten-1-1.ndjson'), `${JSON.stringify({ id: 'old', costNanos: 5 })}\n${JSON.stringify({ id: 'new', webSearches: 2, serviceTier: 'flex' })}\n`);
      expect(readSpilled(dir).rows.map((r) => [r.id, r.webSearches, r.serviceTier])).toEqual([['old', 0, null], ['new', 2, 'flex']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
