/**
 * A model call whose body does not arrive within server.request_timeout_ms gets 408 request_timeout,
 * and its ledger row says so (error, 408, request_timeout), not that the client went away (499); a
 * client that does leave mid-body is still recorded as aborted.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, server: { ...(base['server'] as object), request_timeout_ms: 800 } }) });
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

/** Send the headers and part of the body; close after `closeAfterMs` (or wait for the server to). */
function partial(path: string, closeAfterMs: number | null): Promise<string> {
  const body = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello' }] });
  const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  const { port } = new URL(s.gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
    socket.write(head + body.slice(0, 10));
    if (closeAfterMs !== null) setTimeout(() => socket.destroy(), closeAfterMs);
  });
}

async function newestRow(after: number) {
  for (let i = 0; i < 100; i++) {
    const row = (await s.calls()).find((r) => r.startedAt >= after);
    if (row) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no ledger row');
}

describe('a request that times out', () => {
  it('is answered 408 request_timeout and recorded as such', async () => {
    const before = Date.now();
    const got = await partial('/v1/chat/completions', null);
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'request_timeout' } });
    expect(await newestRow(before)).toMatchObject({ status: 'error', httpStatus: 408, errorCode: 'request_timeout', team: 'platform' });
  });

  it('is told apart from a client that leaves before the end of its body', async () => {
    const before = Date.now();
    expect(await partial('/v1/messages', 100)).toBe('');
    expect(await newestRow(before)).toMatchObject({ status: 'aborted', httpStatus: 499, errorCode: 'client_closed' });
  });
});
