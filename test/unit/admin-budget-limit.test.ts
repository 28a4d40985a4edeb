/**
 * POST /admin/v1/budgets refuses a non-zero limit below one nano-dollar instead of storing a $0 limit,
 * and one above 2^53 nano-dollars instead of storing an inexact or infinite one.
 */
import { describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../src/pipeline/deps.js';
import { handleBudgets } from '../../src/server/admin-budgets.js';

describe('admin budgets: limit_usd below one nano-dollar', () => {
  it('is a readable invalid_request, and nothing is stored', async () => {
    let stored = 0;
    const deps = { store: { upsertBudget: () => void stored++ } } as unknown as GatewayDeps;
    const post = (limit_usd: number) => handleBudgets(deps, 'POST', '/admin/v1/budgets', new URLSearchParams(), () => Promise.resolve({ scope: 'team:a', limit_usd }), () => undefined);
    await expect(post(1e-12)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/limit_usd: a non-zero limit must be at least \$0\.000000001/) as unknown });
    await expect(post(-1)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(stored).toBe(0);
  });

  it('refuses a limit whose nano-dollars are not an exact integer (1e308 became Infinity)', async () => {
    let stored = 0;
    const deps = { store: { upsertBudget: () => void stored++ } } as unknown as GatewayDeps;
    const post = (body: Record<string, unknown>) => handleBudgets(deps, 'POST', '/admin/v1/budgets', new URLSearchParams(), () => Promise.resolve({ scope: 'team:a', ...body }), () => undefined);
    for (const limit_usd of [1e308, 1e20, 9_007_200]) {
      await expect(post({ limit_usd })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/limit_usd: a limit can be at most \$9,007,199/) as unknown });
    }
    await expect(post({ limit_usd: 1, limit_tokens: 2 ** 60 })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(stored).toBe(0);
  });
});
