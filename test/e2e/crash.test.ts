/**
 * Durability: a call that completed more than a second before `kill -9` is in the ledger after a
 * restart; SIGTERM flushes everything buffered, even calls finished a moment before.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { exited, startGatewayProcess, tollgate } from './process.js';

let mock: MockProvider;
let dir: string;
let cfg: string;
let key: string;

beforeAll(async () => {
  mock = await startMockProvider();
  dir = mkdtempSync(join(tmpdir(), 'tollgate-crash-'));
  cfg = join(dir, 'tollgate.yaml');
  writeFileSync(
    cfg,
    [
      'server: { port: 0 }',
      'admin_key: crash-admin-key',
      `store: { kind: sqlite, path: "${join(dir, 'ledger.db')}" }`,
      // A long flush interval would lose rows on kill -9; the default must not.
      'log: { level: info }',
      'guard: { enabled: false }',
      'providers:',
      `  openai: { kind: openai, base_url: "${mock.url}/v1", api_key: "sk-x" }`,
      'models:',
      '  test-gpt: { provider: openai, price: { input_per_mtok: 1, output_per_mtok: 2 } }',
    ].join('\n'),
  );
  key = (JSON.parse((await tollgate(['keys', 'create', '-c', cfg, '--team', 'ops', '--json'])).stdout) as { key: string }).key;
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

async function spend(url: string): Promise<{ calls: number; output_tokens: number }> {
  const r = await fetch(`${url}/admin/v1/spend?group_by=team`, { headers: { authorization: 'Bearer crash-admin-key' } });
  const body = (await r.json()) as { data: { calls: number; output_tokens: number }[] };
  return body.data[0] ?? { calls: 0, output_tokens: 0 };
}

describe('ledger durability', () => {
  it('keeps calls completed more than a second before kill -9', async () => {
    const { child, url } = await startGatewayProcess(['-c', cfg]);
    const client = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    const N = 25;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        client.chat.completions.create({ model: 'test-gpt', stream: i % 2 === 0, messages: [{ role: 'user', content: `[[mock:{"completion_tokens":${i + 1}}]]` }] }).then(async (r) => {
          if (Symbol.asyncIterator in r) for await (const _c of r) void _c;
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1100));
    child.kill('SIGKILL');
    await exited(child);

    const again = await startGatewayProcess(['-c', cfg]);
    try {
      const s = await spend(again.url);
      expect(s.calls).toBe(N);
      expect(s.output_tokens).toBe((N * (N + 1)) / 2);
    } finally {
      again.child.kill('SIGTERM');
      await exited(again.child);
    }
  });

  it('flushes buffered rows on SIGTERM', async () => {
    // A one-second flush interval: the rows are certainly still buffered when SIGTERM arrives.
    const slowCfg = join(dir, 'slow-flush.yaml');
    writeFileSync(slowCfg, `${readFileSync(cfg, 'utf8')}\nledger: { flush_ms: 1000 }\n`);
    const { child, url } = await startGatewayProcess(['-c', slowCfg]);
    const before = (await spend(url)).calls;
    const client = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
    await Promise.all(Array.from({ length: 10 }, () => client.chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'hi' }] })));
    child.kill('SIGTERM'); // immediately: rows may still be in the buffer
    expect(await exited(child)).toBe(0);
    const again = await startGatewayProcess(['-c', slowCfg]);
    try {
      expect((await spend(again.url)).calls).toBe(before + 10);
    } finally {
      again.child.kill('SIGTERM');
      await exited(again.child);
    }
  });
});
