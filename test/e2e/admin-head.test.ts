/**
 * HEAD on a GET route is answered as GET without a body: same status and headers (content-length
 * included), for the admin API, /healthz, /metrics and /v1/models alike; a team key may make it as it
 * may GET. HEAD on the live run stream answers its headers and ends, rather than holding a stream open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
let teamKey: string;

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, budgets: [{ scope: 'team:platform', limit_usd: 100, period: 'month' }] }) });
  teamKey = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

async function call(method: 'GET' | 'HEAD', path: string, key: string | null = ADMIN_KEY) {
  const r = await fetch(`${s.gw.url}${path}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(5000) });
  const body = await r.arrayBuffer();
  return { status: r.status, type: r.headers.get('content-type'), length: r.headers.get('content-length'), code: r.headers.get('x-tollgate-error-code'), bytes: body.byteLength };
}

describe('HEAD', () => {
  it.each([
    '/admin/v1/keys',
    '/admin/v1/keys?team=platform',
    '/admin/v1/budgets',
    '/admin/v1/models',
    '/admin/v1/runs',
    '/admin/v1/calls',
    '/admin/v1/spend?group_by=team',
    '/admin/v1/savings',
    '/admin/v1/waste',
    '/admin/v1/outcomes',
    '/admin/v1/roi',
    '/admin/v1/forecasts',
    '/healthz',
    '/v1/models',
  ])('%s answers as GET, without a body', async (path) => {
    const key = path.startsWith('/admin') ? ADMIN_KEY : teamKey;
    const get = await call('GET', path, key);
    const head = await call('HEAD', path, key);
    expect(get.status).toBe(200);
    expect(head).toMatchObject({ status: 200, type: get.type, bytes: 0 });
    if (get.length !== null) expect(head.length).toBe(String(get.bytes));
  });

  it('answers /metrics as GET', async () => {
    expect(await call('HEAD', '/metrics', null)).toMatchObject({ status: 200, bytes: 0 });
  });

  it('is a read: a team key may make it on its own team', async () => {
    expect(await call('HEAD', '/admin/v1/keys', teamKey)).toMatchObject({ status: 200, bytes: 0 });
    expect(await call('HEAD', '/admin/v1/budgets?team=platform', teamKey)).toMatchObject({ status: 200, bytes: 0 });
    expect(await call('HEAD', '/admin/v1/keys?team=research', teamKey)).toMatchObject({ status: 403, code: 'forbidden', bytes: 0 });
  });

  it('answers the live run stream with its headers and ends', async () => {
    expect(await call('HEAD', '/admin/v1/runs/events')).toMatchObject({ status: 200, type: 'text/event-stream', bytes: 0 });
  });

  it('gets the errors GET gets, without their bodies', async () => {
    expect(await call('HEAD', '/admin/v1/keys', null)).toMatchObject({ status: 401, code: 'unauthenticated', bytes: 0 });
    expect(await call('HEAD', '/admin/v1/keys?tema=x')).toMatchObject({ status: 400, code: 'invalid_request', bytes: 0 });
    expect(await call('HEAD', '/admin/v1/nothing')).toMatchObject({ status: 404, code: 'not_found', bytes: 0 });
    expect(await call('HEAD', '/admin/v1/runs/r1/kill')).toMatchObject({ status: 404, bytes: 0 });
    expect(await call('HEAD', '/v1/chat/completions', teamKey)).toMatchObject({ status: 405, code: 'method_not_allowed', bytes: 0 });
  });
});
