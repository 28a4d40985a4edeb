/**
 * Names created through the admin API (a key's team, user, project and name, a budget's scope, an
 * outcome's run, project, team and agent) are plain text: a control character (NUL, an escape, a line
 * break, C1) is refused with 400 invalid_request naming the field, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedModels } from '../../src/cli/keys.js';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;

beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

async function post(path: string, body: unknown): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
  const r = await fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string } } };
}

async function list(path: string): Promise<unknown[]> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await r.json()) as { data: unknown[] }).data;
}

const BAD = ['plat\u0000form', 'a\u0007b', 'line\nbreak', 'tab\there', 'esc\u001b[2J', 'del\u007f', 'c1\u0085'];

describe('control characters in names', () => {
  it.each(BAD.flatMap((bad) => (['team', 'user', 'project', 'name'] as const).map((field) => [field, bad] as const)))('refuses a key whose %s is %j', async (field, bad) => {
    const r = await post('/admin/v1/keys', { team: 'platform', [field]: bad });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_request' });
    expect(r.body.error!.message).toBe(`Invalid key request: ${field}: must not contain control characters (NUL, tab, line breaks, escapes...)`);
  });

  it.each(BAD)('refuses a budget scope with %j', async (bad) => {
    const r = await post('/admin/v1/budgets', { scope: `team:${bad}`, limit_usd: 5, period: 'month' });
    expect(r.status).toBe(400);
    expect(r.body.error!.message).toBe('Invalid budget: scope: must not contain control characters (NUL, tab, line breaks, escapes...)');
  });

  it.each(['run', 'project', 'team', 'agent'])('refuses an outcome whose %s has one', async (field) => {
    const r = await post('/admin/v1/outcomes', { team: 'platform', [field]: 'x\u0000y', label: 'pr_merged', value_usd: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error!.message).toBe(`Invalid outcome: ${field}: must not contain control characters (NUL, tab, line breaks, escapes...)`);
  });

  it('stored none of them, and still takes names in any script', async () => {
    expect(await list('/admin/v1/keys')).toEqual([]);
    expect((await list('/admin/v1/budgets')).map((b) => (b as { scope: string }).scope)).not.toContain(expect.stringContaining('\u0000'));
    expect(await list('/admin/v1/outcomes')).toEqual([]);
    const ok = await post('/admin/v1/keys', { team: 'équipe 研究', user: 'ada lovelace', project: 'p-1', name: 'ci 🚀' });
    expect(ok.status).toBe(201);
    expect((await post('/admin/v1/budgets', { scope: 'team:équipe', limit_usd: 5, period: 'month' })).status).toBe(201);
  });
});

describe('tollgate keys create', () => {
  it('refuses the names the admin API refuses', () => {
    for (const field of ['team', 'user', 'project', 'name'] as const) {
      expect(() => allowedModels({ team: 'platform', [field]: 'a\u001bb' }, { models: {} })).toThrow(`--${field} must not contain control characters`);
    }
    expect(allowedModels({ team: 'équipe', user: 'ada' }, { models: {} })).toBeNull();
  });
});
