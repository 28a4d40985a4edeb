/**
 * Attribution headers sent as UTF-8 (what curl, browsers and most HTTP clients send) are kept as the
 * text the client meant, not as its bytes read one by one (`é` stored as `Ã©`); a value whose bytes are
 * not UTF-8 stays as node:http read it. Long values keep their bound (183 characters, `~`, a hash),
 * never cutting a character in two.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedId } from '../../src/guard/index.js';
import { startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({ ...(base as object), routes: [{ name: 'accent', match: { header: 'café' }, serve: 'gpt-5-mini' }] }),
  });
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

/** One chat call with these headers, their values sent as the UTF-8 bytes of the text (or as given bytes). */
function call(headers: Record<string, string | Buffer>): Promise<string> {
  const body = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello' }] });
  // node:http writes a header string as latin1, one byte per character: a string of the UTF-8 bytes sends them as they are.
  const wire = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, (typeof v === 'string' ? Buffer.from(v, 'utf8') : v).toString('latin1')]));
  return new Promise((resolve, reject) => {
    const req = request(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...wire } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-tollgate-call-id'])) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    // A Buffer body: a string one would be sent together with the headers in its encoding (UTF-8), not latin1.
    req.end(Buffer.from(body));
  });
}

describe('attribution headers in UTF-8', () => {
  it('stores run, agent, parent and tags as the text sent', async () => {
    const id = await call({ 'x-tollgate-run': 'rün-1', 'x-tollgate-agent': 'é', 'x-tollgate-parent': 'père 🚀', 'x-tollgate-tags': 'café, naïve,日本' });
    expect(await s.waitForCall(id)).toMatchObject({ run: 'rün-1', agent: 'é', parent: 'père 🚀', tags: 'café,naïve,日本' });
  });

  it('matches x-tollgate-route as the text sent, and records it so for replay', async () => {
    const id = await call({ 'x-tollgate-route': 'café' });
    const row = await s.waitForCall(id);
    expect(row).toMatchObject({ servedModel: 'gpt-5-mini', route: 'rule:accent' });
    expect(row.features?.routeHeader).toBe('café');
  });

  it('keeps a value whose bytes are not UTF-8 as it came', async () => {
    const id = await call({ 'x-tollgate-agent': Buffer.from([0x63, 0x61, 0x66, 0xe9]) });
    expect((await s.waitForCall(id)).agent).toBe('caf\u00e9');
  });

  it('bounds long values by characters, with the hash of the whole text', async () => {
    const run = 'ü'.repeat(300);
    const agent = '😀'.repeat(150);
    const id = await call({ 'x-tollgate-run': run, 'x-tollgate-agent': agent });
    const row = await s.waitForCall(id);
    expect(row.run).toBe(boundedId(run));
    expect(row.run).toMatch(/^ü{183}~[0-9a-f]{16}$/);
    expect(row.agent).toBe(boundedId(agent));
    // The cut falls inside an emoji: it keeps one code unit less rather than half a character.
    expect(row.agent).toMatch(/^(😀){91}~[0-9a-f]{16}$/);
  });
});
