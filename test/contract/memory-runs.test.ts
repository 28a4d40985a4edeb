import { describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../../src/storage/memory/run-store.js';
import { describeRunStore } from './run-store.contract.js';

describeRunStore('memory', async () => {
  const s = new MemoryRunStore();
  return [s, s, s];
});

describe('MemoryRunStore', () => {
  it('keeps at most maxRuns, dropping the least recently active', async () => {
    const s = new MemoryRunStore(100);
    for (let i = 0; i < 250; i++) await s.save(`r${i}`, {}, 0, i, 60_000);
    expect(s.size).toBe(100);
    expect(await s.load('r149')).toBeNull();
    expect(await s.load('r150')).not.toBeNull();
  });
});
