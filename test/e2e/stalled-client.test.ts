/**
 * A client that keeps its connection open but stops reading pauses the provider's stream (backpressure),
 * which also suspends the provider connection's idle timeout. Left alone, such clients would pin provider
 * connections for good; after the provider's idle_ms without reading, the gateway drops the client, which
 * stops the provider, and the call is recorded as aborted with an estimate.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

let upstream: Server;
let s: Stack;
let key: string;
let upstreamClosed = false;

beforeAll(async () => {
  // A provider that streams as fast as the gateway takes it, forever.
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => (upstreamClosed = true));
      const ev = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'word '.repeat(200) } }] })}\n\n`;
      const more = (): void => {
        while (!res.destroyed) if (!res.write(ev)) return void res.once('drain', more);
      };
      more();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  s = await startStack({
    config: (base) => {
      const b = base as { providers: Record<string, Record<string, unknown>> };
      b.providers['openai'] = { ...b.providers['openai'], base_url: `${url}/v1`, timeouts: { connect_ms: 1000, first_byte_ms: 1000, idle_ms: 300 } };
      return base;
    },
  });
  key = await s.createKey({ team: 'platform' });
});
afterAll(async () => {
  await s.close();
  upstream.close();
});

it("drops a client that stops reading for the provider's idle timeout, stops the provider and records the call", async () => {
  const url = new URL(s.gw.url);
  let callId = '';
  await new Promise<void>((resolve) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: '/v1/chat/completions', method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
      callId = String(res.headers['x-tollgate-call-id']);
      res.pause(); // reads nothing more
      resolve();
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ model: 'test-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
  });
  const until = Date.now() + 5000;
  while (!upstreamClosed && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  expect(upstreamClosed).toBe(true);
  const row = await s.waitForCall(callId);
  expect(row).toMatchObject({ status: 'aborted', errorCode: 'client_closed', estimated: true });
  expect(row.costNanos).toBeGreaterThan(0);
}, 20000);
