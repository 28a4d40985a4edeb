/**
 * server.request_timeout_ms bounds how long a request (headers and body) may take to arrive: a client
 * that stops sending halfway gets its 408 about then, not up to 30 s later (node:http looks for late
 * requests only every connectionsCheckingInterval, 30 s unless the gateway sets it).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, server: { ...(base['server'] as object), request_timeout_ms: 1000 } }) });
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

/** Send `bytes` and keep the connection open; resolves what came back and when the server closed it (or after `waitMs`). */
function stalled(bytes: string, waitMs: number): Promise<{ got: string; ms: number }> {
  const { port } = new URL(s.gw.url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ got, ms: Date.now() - started });
    }, waitMs);
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ got, ms: Date.now() - started });
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('server.request_timeout_ms', () => {
  it('answers a body that stops arriving with 408 within about the timeout', async () => {
    const body = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello' }] });
    const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-api-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const r = await stalled(head + body.slice(0, 10), 5000);
    expect(r.got).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeLessThan(3000);
  });

  it('answers headers that stop arriving with 408 within about the timeout', async () => {
    const r = await stalled('GET /healthz HTTP/1.1\r\nHost: x\r\n', 5000);
    expect(r.got).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeLessThan(3000);
  });
});
