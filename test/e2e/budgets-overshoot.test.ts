/** No overshoot on one instance: SQLite ledger, in-process counters. */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startStack, type Stack } from './harness.js';
import { runOvershoot, setUpSpenders } from './overshoot.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, server: { host: '127.0.0.1', port: 0 } }) });
});
afterAll(() => s.close());

describe('budget overshoot, one instance', () => {
  it('keeps 2,000 concurrent calls (half streaming) within a $1.00 team budget', async () => {
    const key = await setUpSpenders(s);
    await runOvershoot([s], key);
  }, 120_000);
});
