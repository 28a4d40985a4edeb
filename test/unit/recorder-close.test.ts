import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Recorder } from '../../src/pipeline/record.js';
import type { CallRow, Store } from '../../src/storage/types.js';

describe('Recorder.close with a store that keeps refusing', () => {
  it('logs every row it could not write instead of dropping it silently', async () => {
    const lines: { msg: string; row?: CallRow }[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; row?: CallRow }) });
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
    const lines: { msg: string; row?: CallRow }[] = [];
    const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; row?: CallRow }) });
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
