/** A `tollgate demo` that cannot start (its port taken) cleans up after itself: no seeded ledger left in the temp folder. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemo } from '../../src/demo/index.js';

const saved = process.env['TMPDIR'];
afterEach(() => {
  if (saved === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = saved;
});

describe('tollgate demo on a taken port', () => {
  it('rejects and removes its temp ledger', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'tollgate-demo-fail-'));
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      process.env['TMPDIR'] = scratch;
      const port = (taken.address() as { port: number }).port;
      await expect(startDemo({ port, days: 2, traffic: false, logLevel: 'silent' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      taken.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
