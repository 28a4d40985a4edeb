/**
 * OpenTelemetry export: calls through the gateway produce one span per ledger row, exported as
 * OTLP/HTTP JSON to a local receiver; the spans' GenAI and tollgate.* attributes, times, status and
 * parent (from the client's traceparent) match the calls.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from '../../src/storage/types.js';
import { directive, startStack, type Stack } from './harness.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
interface Received {
  headers: IncomingMessage['headers'];
  body: { resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
}

const received: Received[] = [];
let receiver: Server;
let s: Stack;

function valueOf(v: OtlpValue): string | number | boolean | undefined {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.doubleValue;
}
const attrs = (list: { key: string; value: OtlpValue }[]): Record<string, unknown> => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      received.push({ headers: req.headers, body: JSON.parse(raw.toString('utf8')) as Received['body'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const port = (receiver.address() as AddressInfo).port;
  s = await startStack({
    config: (base) => ({
      ...base,
      otel: { endpoint: `http://127.0.0.1:${port}`, headers: { 'x-otlp-key': 'otlp-secret' }, service_name: 'tollgate-e2e' },
      routes: [{ match: { model: 'chain' }, fallback: ['test-gpt', 'test-claude'] }],
    }),
  });
});
afterAll(async () => {
  await s?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('OpenTelemetry export', () => {
  it('sends one span per call with GenAI attributes matching the ledger, flushed when the gateway closes', async () => {
    const key = await s.createKey({ team: 'platform', project: 'checkout' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpan = '00f067aa0ba902b7';
    const oa = s.openai(key, { headers: { traceparent: `00-${traceId}-${parentSpan}-01`, 'x-tollgate-run': 'run-otel', 'x-tollgate-agent': 'planner' } });
    const ok = await oa.chat.completions.create({ model: 'test-gpt', max_tokens: 64, messages: [{ role: 'user', content: directive({ prompt_tokens: 200, completion_tokens: 30, cached_tokens: 50, reasoning_tokens: 10 }, 'hello') }] }).withResponse();
    const okId = ok.response.headers.get('x-tollgate-call-id')!;
    const an = await s.anthropic(key).messages.create({ model: 'test-claude', max_tokens: 33, messages: [{ role: 'user', content: directive({ prompt_tokens: 100, completion_tokens: 12, cache_write_5m: 20, cache_write_1h: 5 }, 'hi') }] }).withResponse();
    const anId = an.response.headers.get('x-tollgate-call-id')!;
    const bad = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chain', max_tokens: 20, messages: [{ role: 'user', content: directive({ status: 500 }, 'fails everywhere') }] }),
    });
    expect(bad.status).toBe(502);
    const badId = bad.headers.get('x-tollgate-call-id')!;

    const rows = new Map<string, CallRow>();
    for (const id of [okId, anId, badId]) rows.set(id, await s.waitForCall(id));
    for (const r of await s.calls()) rows.set(r.id, r); // the failed fallback attempt too
    expect(rows.size).toBe(4);
    await s.gw.close(1000);

    const spans = received.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    expect(spans.length).toBe(rows.size);
    expect(received.every((r) => r.headers['x-otlp-key'] === 'otlp-secret')).toBe(true);
    expect(received[0]!.headers['content-type']).toMatch(/application\/json/);
    const resource = attrs(received[0]!.body.resourceSpans[0]!.resource.attributes);
    expect(resource['service.name']).toBe('tollgate-e2e');

    const byCall = new Map(spans.map((sp) => [attrs(sp.attributes)['tollgate.call_id'] as string, sp]));
    for (const [id, row] of rows) {
      const sp = byCall.get(id);
      expect(sp, `span of ${id}`).toBeDefined();
      const a = attrs(sp!.attributes);
      expect(a['gen_ai.operation.name']).toBe('chat');
      expect(a['gen_ai.provider.name']).toBe(row.provider);
      expect(a['gen_ai.system']).toBe(row.provider);
      expect(a['gen_ai.request.model']).toBe(row.requestedModel);
      expect(a['gen_ai.usage.input_tokens']).toBe(row.inputTokens + row.cachedInputTokens + row.cacheWrite5mTokens + row.cacheWrite1hTokens);
      expect(a['gen_ai.usage.output_tokens']).toBe(row.outputTokens + row.reasoningTokens);
      expect(a['tollgate.team']).toBe('platform');
      expect(a['tollgate.project']).toBe('checkout');
      expect(a['tollgate.run']).toBe(row.run ?? undefined);
      expect(a['tollgate.cost_usd']).toBeCloseTo(row.costNanos / 1e9, 12);
      expect(sp!.name).toBe(`chat ${row.requestedModel}`);
      expect(sp!.kind).toBe(3); // CLIENT
      expect(BigInt(sp!.startTimeUnixNano) / 1_000_000n).toBe(BigInt(row.startedAt));
      expect(BigInt(sp!.endTimeUnixNano) / 1_000_000n).toBe(BigInt(row.endedAt));
      expect(sp!.status?.code ?? 0).toBe(row.status === 'ok' ? 0 : 2); // UNSET or ERROR
    }

    // The OpenAI call: its numbers, the output bound it asked for, and the client's trace as parent.
    const o = attrs(byCall.get(okId)!.attributes);
    expect(o).toMatchObject({
      'gen_ai.request.model': 'test-gpt',
      'gen_ai.response.model': 'gpt-test-upstream',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.usage.input_tokens': 200,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 50,
      'gen_ai.usage.reasoning.output_tokens': 10,
      'tollgate.run': 'run-otel',
      'tollgate.agent': 'planner',
    });
    expect(o['tollgate.cost_usd']).toBeGreaterThan(0);
    expect(byCall.get(okId)!.traceId).toBe(traceId);
    expect(byCall.get(okId)!.parentSpanId).toBe(parentSpan);
    // The Anthropic call (the mock's prompt_tokens is the whole prompt, cache writes included): no traceparent, so a trace of its own.
    const a = attrs(byCall.get(anId)!.attributes);
    expect(a).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.max_tokens': 33, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_creation.input_tokens': 25, 'gen_ai.usage.output_tokens': 12 });
    expect(byCall.get(anId)!.traceId).not.toBe(traceId);
    // The failed chain: both attempts are error spans with the error code.
    const failed = [...rows.values()].filter((r) => r.status !== 'ok');
    expect(failed.length).toBe(2);
    for (const r of failed) {
      const sp = byCall.get(r.id)!;
      expect(sp.status?.code).toBe(2);
      expect(attrs(sp.attributes)['error.type']).toBe(r.errorCode);
    }
    expect(attrs(byCall.get(`${badId}.1`)!.attributes)['tollgate.attempt_of']).toBe(badId);
  });
});

describe('loading', () => {
  /**
   * Starts a gateway from dist/ in a fresh process and counts the files it loaded of the OpenTelemetry
   * SDK and exporter (not @opentelemetry/api, which prom-client itself loads) and of prom-client.
   */
  async function loadedBy(config: Record<string, unknown>): Promise<{ otel: number; prom: number }> {
    const { execFile } = await import('node:child_process');
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join, resolve } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-otel-load-'));
    const root = resolve(import.meta.dirname, '../..');
    const script = `
      import { createRequire } from 'node:module';
      const { configSchema } = await import(${JSON.stringify(`${root}/dist/config/schema.js`)});
      const { startGateway } = await import(${JSON.stringify(`${root}/dist/main.js`)});
      const config = configSchema.parse({ ...JSON.parse(process.env.CFG), server: { port: 0 }, store: { kind: 'sqlite', path: process.env.DB }, log: { level: 'silent' } });
      const gw = await startGateway(config);
      const files = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ otel: files.filter((f) => f.includes('@opentelemetry/') && !f.includes('@opentelemetry/api/')).length, prom: files.filter((f) => f.includes('prom-client')).length }));
      await gw.close(100);
    `;
    const file = join(dir, 'start.mjs');
    writeFileSync(file, script);
    try {
      const out = await new Promise<string>((res, rej) =>
        execFile(process.execPath, [file], { cwd: root, env: { ...process.env, CFG: JSON.stringify(config), DB: join(dir, 'l.db') }, timeout: 30_000 }, (err, stdout) => (err ? rej(err) : res(stdout))),
      );
      return JSON.parse(out.trim().split('\n').pop()!) as { otel: number; prom: number };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('loads the OpenTelemetry SDK only when otel is configured, and prom-client only when metrics are on', async () => {
    const plain = await loadedBy({});
    expect(plain.otel).toBe(0);
    expect(plain.prom).toBeGreaterThan(0);
    const traced = await loadedBy({ otel: { endpoint: 'http://127.0.0.1:9/' }, metrics: { enabled: false } });
    expect(traced.otel).toBeGreaterThan(0);
    expect(traced.prom).toBe(0);
  }, 60_000);
});
