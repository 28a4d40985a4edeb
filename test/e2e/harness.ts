/**
 * An end-to-end stack for tests: the mock provider, a Tollgate gateway in this process (SQLite ledger
 * in a temp dir) and helpers to make keys and SDK clients the way users' code would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { pino } from 'pino';
import { expect } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/main.js';
import { startMockProvider, type MockOptions, type MockProvider } from '../../src/mock/index.js';
import type { CallRow } from '../../src/storage/types.js';

export const ADMIN_KEY = 'test-admin-key';

export interface Stack {
  mock: MockProvider;
  gw: Gateway;
  dir: string;
  config: Config;
  createKey(input?: { team?: string; user?: string; project?: string; models?: string[]; unlimited?: boolean }): Promise<string>;
  openai(key: string, opts?: { headers?: Record<string, string> }): OpenAI;
  anthropic(key: string, opts?: { headers?: Record<string, string> }): Anthropic;
  /** Flush the ledger and read every row (newest first). */
  calls(): Promise<CallRow[]>;
  /** Wait until the ledger holds a row with this call id. */
  waitForCall(id: string, timeoutMs?: number): Promise<CallRow>;
  close(): Promise<void>;
}

export interface StackOptions {
  mock?: MockOptions;
  /** An existing mock to share (several gateways in front of one mock). */
  sharedMock?: MockProvider;
  now?: () => number;
  /** Merged over the default test config (before validation). */
  config?: (base: Record<string, unknown>, mockUrl: string) => Record<string, unknown>;
}

export function baseConfig(mockUrl: string, dir: string): Record<string, unknown> {
  return {
    server: { host: '127.0.0.1', port: 0, max_body_bytes: 64 * 1024 },
    admin_key: ADMIN_KEY,
    store: { kind: 'sqlite', path: join(dir, 'ledger.db') },
    ledger: { flush_ms: 20 },
    log: { level: 'silent' },
    // These tests repeat near-identical requests on purpose; the run guard has its own tests.
    guard: { enabled: false },
    providers: {
      openai: { kind: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-test-openai-secret' },
      anthropic: { kind: 'anthropic', base_url: mockUrl, api_key: 'sk-ant-test-secret' },
    },
    models: {
      'gpt-5-mini': { provider: 'openai' },
      'text-embedding-3-small': { provider: 'openai' },
      'claude-sonnet-4-5': { provider: 'anthropic' },
      // Explicit prices so expected costs are computed independently of the catalogue.
      'test-gpt': {
        provider: 'openai',
        upstream_model: 'gpt-test-upstream',
        price: { input_per_mtok: 1.25, output_per_mtok: 10, cached_input_per_mtok: 0.125 },
      },
      'test-claude': {
        provider: 'anthropic',
        price: { input_per_mtok: 3, output_per_mtok: 15, cached_input_per_mtok: 0.3, cache_write_per_mtok: 3.75, cache_write_1h_per_mtok: 6 },
      },
    },
  };
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const mock = opts.sharedMock ?? (await startMockProvider(opts.mock));
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
  const raw = baseConfig(mock.url, dir);
  const config = configSchema.parse(opts.config ? opts.config(raw, mock.url) : raw);
  const gw = await startGateway(config, { log: pino({ level: 'silent' }), now: opts.now });

  const stack: Stack = {
    mock,
    gw,
    dir,
    config,
    async createKey(input = {}) {
      const res = await fetch(`${gw.url}/admin/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ team: 'platform', ...input }),
      });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { key: string }).key;
    },
    openai(key, o = {}) {
      return new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: o.headers });
    },
    anthropic(key, o = {}) {
      return new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0, defaultHeaders: o.headers });
    },
    async calls() {
      await gw.deps.recorder.flush();
      return gw.deps.store.calls({ limit: 100_000 });
    },
    async waitForCall(id, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const row = (await stack.calls()).find((r) => r.id === id);
        if (row) return row;
        if (Date.now() > until) throw new Error(`call ${id} never reached the ledger`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await gw.close(1000);
      if (!opts.sharedMock) await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Put a mock directive into a user message. */
export function directive(d: Record<string, unknown>, text = 'Say something useful.'): string {
  return `${text} [[mock:${JSON.stringify(d)}]]`;
}

/** Calls that must leave the ledger's earlier rows untouched: see ledgerWatch. */
export interface LedgerWatch {
  /** The baseline: the ledger once rows still being recorded have arrived. */
  start(): Promise<CallRow[]>;
  /** Waits for `newRows` rows past the baseline, checks every earlier row is unchanged, returns the new ones (the next baseline includes them). */
  check(newRows: number): Promise<CallRow[]>;
}

export function ledgerWatch(s: Stack): LedgerWatch {
  let snapshot: CallRow[] = [];
  return {
    async start() {
      // A streamed call's row is recorded just after its response ended: wait until the count is stable.
      for (let seen = -1; seen !== snapshot.length; await new Promise((r) => setTimeout(r, 50))) {
        seen = snapshot.length;
        snapshot = await s.calls();
      }
      return snapshot;
    },
    async check(newRows) {
      // The response goes out before its row is recorded: wait for the rows, then check them.
      let rows = await s.calls();
      for (let i = 0; i < 100 && rows.length < snapshot.length + newRows; i++) {
        await new Promise((r) => setTimeout(r, 20));
        rows = await s.calls();
      }
      for (const old of snapshot) expect(rows.find((r) => r.id === old.id)).toEqual(old);
      expect(rows.length).toBe(snapshot.length + newRows);
      const fresh = rows.filter((r) => !snapshot.some((o) => o.id === r.id));
      snapshot = rows;
      return fresh;
    },
  };
}
