/** `tollgate demo`'s traffic does what it promises: healthy agents served, the loop stopped by the guard, the near-budget team refused. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/index.js';
import { CLI, exited } from './process.js';

const ADMIN = 'demo-admin-key';
let demo: Demo;

beforeAll(async () => {
  // Pauses scaled down 20x so a minute of demo traffic takes a few seconds.
  demo = await startDemo({ port: 0, adminKey: ADMIN, days: 10, pace: 0.05, logLevel: 'silent' });
}, 60_000);
afterAll(() => demo?.close());

async function runs(): Promise<{ run: string; status: string; agents: { name: string }[] }[]> {
  const res = await fetch(`${demo.url}/admin/v1/runs?limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { data: { run: string; status: string; agents: { name: string }[] }[] }).data;
}

describe('tollgate demo', () => {
  it('serves the coding agent and the map-reduce job, stops the confirmation loop, and refuses the team past its budget', async () => {
    const c = demo.traffic!.counts;
    await expect.poll(() => c['near-budget']?.refused ?? 0, { timeout: 40_000, interval: 250 }).toBeGreaterThan(0);
    await expect.poll(() => c['confirmation-loop']?.refused ?? 0, { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    expect(c['coder']!.ok).toBeGreaterThan(0);
    expect(c['coder']!.refused).toBe(0);
    expect(c['map-reduce']!.ok).toBeGreaterThan(0);
    expect(c['map-reduce']!.refused).toBe(0);
    const all = await runs();
    expect(all.some((r) => r.run.startsWith('review-loop') && r.status === 'terminated')).toBe(true);
    expect(all.filter((r) => r.run.startsWith('mapreduce') || r.run.startsWith('coder')).every((r) => r.status === 'active')).toBe(true);
    // A job's planner calls before its mappers: the newest job may not have reached them yet.
    const fanOut = async (): Promise<boolean> =>
      (await runs()).some((r) => r.run.startsWith('mapreduce') && r.agents.some((a) => a.name === 'mapper') && r.agents.some((a) => a.name === 'planner'));
    await expect.poll(fanOut, { timeout: 20_000, interval: 250 }).toBe(true);
    // The growth team's refusal is its budget.
    const r = await fetch(`${demo.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${demo.keys.growth}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'One more email.' }] }),
    });
    expect(r.status).toBe(402);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
  });

  it('prints nothing secret it should not: the viewer key is a platform team key that reads only its team', async () => {
    const res = await fetch(`${demo.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${demo.viewerKey}` } });
    const keys = ((await res.json()) as { data: { team: string }[] }).data;
    expect(keys.map((k) => k.team)).toEqual(['platform']);
    expect((await fetch(`${demo.url}/admin/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${demo.viewerKey}` }, body: '{"team":"x"}' })).status).toBe(403);
  });
});

describe('tollgate demo (the command)', () => {
  it('prints the dashboard URL, the admin key and a viewer key that signs in as a read-only team viewer; Ctrl-C stops it', async () => {
    const child = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--no-traffic'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await expect.poll(() => out, { timeout: 30_000, interval: 100 }).toMatch(/Viewer key\s+tg_/);
      const dashboard = /Dashboard\s+(\S+)/.exec(out)![1]!;
      const admin = /Admin key\s+(\S+)/.exec(out)![1]!;
      const viewer = /Viewer key\s+(\S+)/.exec(out)![1]!;
      const page = await fetch(dashboard);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);
      const signIn = async (key: string) => (await (await fetch(new URL('/dashboard/api/session', dashboard), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) })).json()) as { role: string; team: string | null };
      expect(await signIn(viewer)).toMatchObject({ role: 'team', team: 'platform' });
      expect(await signIn(admin)).toMatchObject({ role: 'admin' });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited(child)).toBe(0);
  });
});
