/** GET /admin/v1/runs/events: live run snapshots, ended when the caller's access ends, and bounded in number. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

/** Open the stream; resolves when its headers arrive, with the body reader and a promise of its end. */
async function open(key: string): Promise<{ status: number; ended: Promise<string>; cancel: () => Promise<void> }> {
  const ac = new AbortController();
  const res = await fetch(`${s.gw.url}/admin/v1/runs/events`, { headers: { authorization: `Bearer ${key}` }, signal: ac.signal });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return { status: res.status, ended: Promise.resolve(''), cancel: async () => undefined };
  }
  const reader = res.body!.getReader();
  const ended = (async () => {
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  })().catch(() => 'aborted');
  return { status: 200, ended, cancel: async () => ac.abort() };
}

describe('live run events', () => {
  it('end when the key that opened them is revoked', async () => {
    const key = await s.createKey({ team: 'viewers' });
    const stream = await open(key);
    expect(stream.status).toBe(200);
    const id = key.split('_')[1]!;
    const revoked = await fetch(`${s.gw.url}/admin/v1/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(revoked.status).toBe(200);
    // The next poll (at most a second later) finds the key revoked and ends the stream.
    const text = await Promise.race([stream.ended, new Promise<string>((r) => setTimeout(() => r('still open'), 5_000))]);
    expect(text).not.toBe('still open');
    expect(text).toContain('event: snapshot');
  });

  it('are at most eight per team at a time', async () => {
    const key = await s.createKey({ team: 'watchers' });
    const streams = [];
    for (let i = 0; i < 8; i++) streams.push(await open(key));
    expect(streams.map((x) => x.status)).toEqual(Array(8).fill(200));
    const ninth = await open(key);
    expect(ninth.status).toBe(429);
    // Another team is not held back by this one's streams.
    const other = await open(await s.createKey({ team: 'others' }));
    expect(other.status).toBe(200);
    await other.cancel();
    await streams[0]!.cancel();
    // A closed stream frees its place.
    let again = await open(key);
    for (let i = 0; i < 20 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await open(key);
    }
    expect(again.status).toBe(200);
    for (const x of [...streams, again]) await x.cancel();
  });
});
