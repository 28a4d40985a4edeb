import { describe, expect, it } from 'vitest';
import { newCallId } from '../../src/pipeline/call-id.js';

describe('newCallId', () => {
  it('starts with the time in hex so ids sort by time, then 64 random bits', () => {
    const a = newCallId(0x18c5a2b3c4d);
    expect(a).toMatch(/^call_018c5a2b3c4d[0-9a-f]{16}$/);
    expect(newCallId(0x18c5a2b3c4e) > newCallId(0x18c5a2b3c4d)).toBe(true);
  });

  it('never repeats, within a millisecond or across refills of its random buffer', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) ids.add(newCallId(1_700_000_000_000 + (i >> 8)));
    expect(ids.size).toBe(5000);
  });
});
