import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseTooLargeError } from '../../src/providers/buffered-request.js';
import { requestStreamed, type StreamReceiver, type UpstreamBody } from '../../src/providers/streamed-request.js';

let server: Server;
let pool: Pool;
const big = Buffer.alloc(256 * 1024, 'x');
let closedEarly = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' });
        res.write('data: 1\n\n');
        setTimeout(() => res.end('data: 2\n\n'), 20);
      } else if (req.url === '/big') {
        res.writeHead(200);
        let n = 0;
        const more = (): void => {
          while (n < 40) {
            n++;
            if (!res.write(big)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
      } else if (req.url === '/endless') {
        res.writeHead(200);
        const t = setInterval(() => res.write('data: tick\n\n'), 5);
        res.on('close', () => {
          clearInterval(t);
          if (!res.writableFinished) closedEarly++;
        });
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('data: partial');
        setTimeout(() => res.destroy(), 20);
      } else if (req.url === '/huge-error') {
        res.writeHead(500);
        for (let i = 0; i < 8; i++) res.write(big);
        res.end();
      } else {
        res.writeHead(503, { 'retry-after': '2' });
        res.end('{"error":{"message":"overloaded"}}');
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

/** Records what it is told; `take` decides whether each chunk is accepted. */
function receiver(take: (r: Rec, chunk: Buffer) => boolean = () => true): Rec {
  const r: Rec = {
    seen: [],
    bytes: 0,
    upstream: null,
    start(u) {
      r.upstream = u;
      r.seen.push('start');
    },
    data(chunk) {
      r.bytes += chunk.length;
      r.seen.push(`data:${chunk.toString().slice(0, 12)}`);
      return take(r, chunk);
    },
    end() {
      r.seen.push('end');
    },
    fail(err) {
      r.seen.push(`fail:${err.name}`);
    },
  };
  return r;
}
interface Rec extends StreamReceiver {
  seen: string[];
  bytes: number;
  upstream: UpstreamBody | null;
}

const post = (path: string) => ({ path, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('requestStreamed', () => {
  it('relays a 2xx body chunk by chunk, after the headers', async () => {
    const heads: unknown[] = [];
    const r = receiver();
    const out = await requestStreamed(pool, post('/events'), (s, h) => heads.push(s, h['x-request-id']), r);
    expect(out).toBeNull();
    expect(heads).toEqual([200, 'req_1']);
    expect(r.seen).toEqual(['start', 'data:data: 1\n\n', 'data:data: 2\n\n', 'end']);
  });

  it('collects an error answer whole instead of relaying it', async () => {
    const r = receiver();
    const out = await requestStreamed(pool, post('/busy'), () => undefined, r);
    expect(r.seen).toEqual([]);
    expect(out?.statusCode).toBe(503);
    expect(out?.headers['retry-after']).toBe('2');
    expect(out?.body.toString()).toContain('overloaded');
  });

  it('rejects an error answer larger than its bound instead of collecting it', async () => {
    const statuses: number[] = [];
    const r = receiver();
    const out = requestStreamed(pool, post('/huge-error'), (s) => statuses.push(s), r, 4 * big.length);
    await expect(out).rejects.toThrow(ResponseTooLargeError);
    expect(statuses).toEqual([500]);
    expect(r.seen).toEqual([]);
    // Under the bound, the same answer is collected whole.
    const whole = await requestStreamed(pool, post('/huge-error'), () => undefined, receiver(), 8 * big.length);
    expect(whole?.body.length).toBe(8 * big.length);
  });

  it('pauses the upstream while the receiver refuses chunks, and resumes when asked', async () => {
    let waiting = false;
    let whilePaused = 0;
    const r = receiver((rec) => {
      if (waiting) whilePaused++;
      waiting = true;
      setTimeout(() => {
        waiting = false;
        rec.upstream!.resume();
      }, 2);
      return false;
    });
    await requestStreamed(pool, post('/big'), () => undefined, r);
    expect(r.seen.at(-1)).toBe('end');
    expect(r.bytes).toBe(40 * big.length);
    expect(whilePaused).toBe(0);
  });

  it('stops the upstream when the receiver asks, reporting it once as a failure', async () => {
    const before = closedEarly;
    const r = receiver((rec) => {
      if (rec.seen.length >= 4) rec.upstream!.stop();
      return true;
    });
    await requestStreamed(pool, post('/endless'), () => undefined, r);
    expect(r.seen.filter((s) => s.startsWith('fail:'))).toHaveLength(1);
    expect(r.seen).not.toContain('end');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(before + 1);
  });

  it('reports a body cut by the provider as a failure after the chunks that came', async () => {
    const r = receiver();
    await requestStreamed(pool, post('/cut'), () => undefined, r);
    expect(r.seen[0]).toBe('start');
    expect(r.seen).toContain('data:data: partia');
    expect(r.seen.at(-1)?.startsWith('fail:')).toBe(true);
  });

  it('rejects when no answer came', async () => {
    const dead = new Pool('http://127.0.0.1:1');
    await expect(requestStreamed(dead, post('/x'), () => undefined, receiver())).rejects.toThrow();
    await dead.close();
  });
});

describe('requestStreamed, a receiver that cannot start', () => {
  it('rejects with the receiver\'s error and stops the answer', async () => {
    const r = receiver();
    r.start = () => {
      throw new Error('no start');
    };
    await expect(requestStreamed(pool, post('/events'), () => undefined, r)).rejects.toThrow('no start');
    expect(r.seen).toEqual([]);
  });
});

describe('requestStreamed, a receiver whose failure handling throws', () => {
  it('rejects with that error instead of throwing into undici (which would crash the process)', async () => {
    const r = receiver();
    r.fail = () => {
      throw new Error('fail broke');
    };
    await expect(requestStreamed(pool, post('/cut'), () => undefined, r)).rejects.toThrow('fail broke');
    expect(r.seen).toContain('data:data: partia');
  });
});
