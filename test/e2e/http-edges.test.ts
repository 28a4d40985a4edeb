/**
 * The edges of HTTP itself: what node:http refuses before a request reaches Tollgate is still answered
 * as JSON; errors outside a model call take the shape of the API the path belongs to; a client that
 * leaves halfway through its body leaves an aborted (499) ledger row, not a malformed one.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerWatch, startStack, type LedgerWatch, type Stack } from './harness.js';

let s: Stack;
let key: string;
let ledger: LedgerWatch;

beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'platform' });
  ledger = ledgerWatch(s);
  await ledger.start();
});
afterAll(() => s.close());

/** Send raw bytes; resolves what came back when the server closes (or after `waitMs`). */
function raw(bytes: string, waitMs = 3000): Promise<string> {
  const { port } = new URL(s.gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, waitMs);
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

function jsonOf(response: string): Record<string, unknown> {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

describe('HTTP edges', () => {
  it('answers malformed HTTP and oversized headers with a JSON error, not a bare status line', async () => {
    const bad = await raw('GARBAGE / HTTP/1.1\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect(bad.toLowerCase()).toContain('content-type: application/json');
    expect(jsonOf(bad)).toMatchObject({ error: { code: 'invalid_request' } });

    const big = await raw(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nx-tollgate-run: ${'r'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect(jsonOf(big)).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('headers are too large') as unknown } });
  });

  it('answers a wrong method in the shape of the API the path belongs to', async () => {
    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${s.gw.url}${path}`, { headers: { 'x-api-key': key, ...headers } });
    const messages = await get('/v1/messages');
    expect(messages.status).toBe(405);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: expect.any(String) as unknown } });
    const chat = await get('/v1/chat/completions', { 'anthropic-version': '2023-06-01' });
    expect(chat.status).toBe(405);
    expect(await chat.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('records a call whose client left halfway through its body as aborted (499)', async () => {
    const body = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello there' }] });
    const { port } = new URL(s.gw.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 9)}`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
      socket.on('error', reject);
    });
    const [row] = await ledger.check(1);
    expect(row).toMatchObject({ status: 'aborted', httpStatus: 499, errorCode: 'client_closed' });
  });
});
