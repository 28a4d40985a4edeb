import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestBuffered, ResponseTooLargeError } from '../../src/providers/buffered-request.js';

const MAX = 1024 * 1024;

let server: Server;
let pool: Pool;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/chunks') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1', 'set-cookie': ['a=1', 'b=2'] });
        res.write('{"echo":');
        setTimeout(() => res.end(`${Buffer.concat(chunks).toString()}}`), 20);
      } else if (req.url === '/huge') {
        // 64 KB at a time, far past any bound the test sets: the client must stop reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        const block = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const more = (): void => {
          while (sent < 64 && res.write(block)) sent++;
          if (sent < 64 && !res.destroyed) res.once('drain', () => { sent++; more(); });
          else res.end();
        };
        more();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.destroy(), 20);
      } else {
        res.writeHead(429, { 'retry-after': '3' });
        res.end('{"error":{"message":"slow down"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await pool.close();
  server.close();
});

describe('requestBuffered', () => {
  it('collects a body sent in several writes, with the headers seen before it', async () => {
    const seen: unknown[] = [];
    const r = await requestBuffered(pool, { path: '/chunks', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, MAX, (status, h) => seen.push(status, h['x-request-id']));
    expect(seen).toEqual([200, 'req_1']);
    expect(r.statusCode).toBe(200);
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(JSON.parse(r.body.toString())).toEqual({ echo: { a: 1 } });
  });

  it('resolves error statuses with their body and headers', async () => {
    const r = await requestBuffered(pool, { path: '/busy', headers: {}, body: '' }, MAX, () => undefined);
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.body.toString()).toContain('slow down');
  });

  it('rejects when the connection is cut after the headers, which were reported', async () => {
    let headersSeen = false;
    const p = requestBuffered(pool, { path: '/cut', headers: {}, body: '' }, MAX, () => (headersSeen = true));
    await expect(p).rejects.toThrow();
    expect(headersSeen).toBe(true);
  });

  it('rejects with undici\'s error code when nothing listens', async () => {
    const closed = new Pool('http://127.0.0.1:1');
    let headersSeen = false;
    const err = await requestBuffered(closed, { path: '/', headers: {}, body: '' }, MAX, () => (headersSeen = true)).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(headersSeen).toBe(false);
    await closed.close();
  });

  it('rejects an answer larger than its bound, after the headers, and collects no more', async () => {
    let headersSeen = false;
    const err = await requestBuffered(pool, { path: '/huge', headers: {}, body: '' }, 100_000, () => (headersSeen = true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as ResponseTooLargeError).maxBytes).toBe(100_000);
    expect(headersSeen).toBe(true);
    // The same answer fits a larger bound.
    const r = await requestBuffered(pool, { path: '/huge', headers: {}, body: '' }, 8 * 1024 * 1024, () => undefined);
    expect(r.body.length).toBe(64 * 64 * 1024);
  });
});
