/**
 * The overshoot scenario, shared by the single-instance and the three-instance tests: a $1.00 team
 * budget, 2,000 calls at concurrency 200 from both official SDKs (half streaming) with randomised
 * usage, then calls one at a time until refused.
 */
import { expect } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ADMIN_KEY, directive, type Stack } from './harness.js';

export interface Outcome {
  ok: boolean;
  status?: number;
  code?: string;
}

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

export async function budgetState(url: string, id: string): Promise<{ spent_nanos: number; reserved_nanos: number }> {
  const r = await fetch(`${url}/admin/v1/budgets`, { headers: admin });
  const body = (await r.json()) as { data: { id: string; spent_nanos: number; reserved_nanos: number }[] };
  const b = body.data.find((x) => x.id === id);
  if (!b) throw new Error(`no budget ${id}`);
  return b;
}

async function oneCall(stack: Stack, key: string, i: number): Promise<Outcome> {
  const content = directive({ completion_tokens: 200, random_usage: true }, `Call ${i}.`);
  try {
    switch (i % 4) {
      case 0:
        await stack.openai(key).chat.completions.create({ model: 'test-gpt', max_tokens: 200, messages: [{ role: 'user', content }] });
        break;
      case 1: {
        const s = await stack.openai(key).chat.completions.create({ model: 'test-gpt', max_tokens: 200, stream: true, messages: [{ role: 'user', content }] });
        for await (const _c of s) void _c;
        break;
      }
      case 2:
        await stack.anthropic(key).messages.create({ model: 'test-claude', max_tokens: 200, messages: [{ role: 'user', content }] });
        break;
      default: {
        const s = await stack.anthropic(key).messages.create({ model: 'test-claude', max_tokens: 200, stream: true, messages: [{ role: 'user', content }] });
        for await (const _e of s) void _e;
      }
    }
    return { ok: true };
  } catch (err) {
    if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
      const e = err as { status?: number; error?: unknown };
      const body = e.error as { code?: string; error?: { code?: string } } | undefined;
      return { ok: false, status: e.status, code: body?.code ?? body?.error?.code };
    }
    return { ok: false, code: String(err) };
  }
}

export async function runOvershoot(stacks: Stack[], key: string, opts: { calls?: number; concurrency?: number } = {}): Promise<void> {
  const calls = opts.calls ?? 2000;
  const concurrency = opts.concurrency ?? 200;
  const budgetId = 'team:spenders/month';
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        outcomes[i] = await oneCall(stacks[i % stacks.length]!, key, i);
      }
    }),
  );
  const admitted = outcomes.filter((o) => o.ok).length;
  const refused = outcomes.filter((o) => !o.ok);
  // Every refusal is the budget, with a status the SDKs do not retry.
  const odd = refused.filter((o) => o.status !== 402);
  if (odd.length) console.error(odd.slice(0, 5));
  for (const o of refused) expect(o).toEqual({ ok: false, status: 402, code: 'budget_exceeded' });
  expect(admitted).toBeGreaterThan(100);
  expect(refused.length).toBeGreaterThan(100);

  // Wait for every call to settle: nothing may stay reserved.
  const url = stacks[0]!.gw.url;
  await expect.poll(async () => (await budgetState(url, budgetId)).reserved_nanos, { timeout: 10_000 }).toBe(0);

  // One at a time: admitted until less than one call's worst case remains.
  let sequential = 0;
  for (let i = 0; i < 2000; i++) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-gpt', max_tokens: 200, messages: [{ role: 'user', content: directive({ completion_tokens: 200, random_usage: true }, `Seq ${i}.`) }] }),
    });
    const body = (await res.json()) as { error?: { code: string; limit: number; spent: number; reserved: number; requested: number } };
    if (res.status === 200) {
      sequential++;
      continue;
    }
    expect(res.status).toBe(402);
    const e = body.error!;
    expect(e.code).toBe('budget_exceeded');
    expect(e.reserved).toBe(0); // no reservation leaked
    expect(e.limit - e.spent).toBeLessThan(e.requested); // no needless refusal
    break;
  }
  expect(sequential).toBeLessThan(2000);

  // The settled total stays within the budget, and the ledger matches the counters to the nano-dollar.
  // Every instance's recorder flushed first: the ledger is read through one of them.
  for (const s of stacks) await s.gw.deps.recorder.flush();
  const rows = (await Promise.all(stacks.map((s) => s.calls())))[0]!.filter((r) => r.team === 'spenders');
  const ledger = rows.reduce((sum, r) => sum + r.costNanos, 0);
  expect(ledger).toBeLessThanOrEqual(1_000_000_000);
  expect(ledger).toBeGreaterThan(900_000_000);
  expect(rows.filter((r) => r.status === 'ok').length).toBe(admitted + sequential);
  for (const s of stacks) expect((await budgetState(s.gw.url, budgetId)).spent_nanos).toBe(ledger);
}

export async function setUpSpenders(stack: Stack): Promise<string> {
  const r = await fetch(`${stack.gw.url}/admin/v1/budgets`, { method: 'POST', headers: admin, body: JSON.stringify({ scope: 'team:spenders', limit_usd: 1, period: 'month' }) });
  expect(r.status).toBe(201);
  const res = await fetch(`${stack.gw.url}/admin/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ team: 'spenders', unlimited: true }) });
  return ((await res.json()) as { key: string }).key;
}
