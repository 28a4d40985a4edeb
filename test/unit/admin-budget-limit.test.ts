/** POST /admin/v1/budgets refuses a non-zero limit below one nano-dollar instead of storing a $0 limit. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../src/pipeline/deps.js';
import { handleBudgets } from '../../src/server/admin-budgets.js';

describe('admin budgets: limit_usd below one nano-dollar', () => {
  it('is a readable invalid_request, and nothing is stored', async () => {
    let stored = 0;
    const deps = { store: { upsertBudget: () => void stored++ } } as unknown as GatewayDeps;
    const req = { method: 'POST' } as IncomingMessage;
    const post = (limit_usd: number) => handleBudgets(deps, req, '/admin/v1/budgets', () => Promise.resolve({ scope: 'team:a', limit_usd }), () => undefined);
    await expect(post(1e-12)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/limit_usd: a non-zero limit must be at least \$0\.000000001/) as unknown });
    await expect(post(-1)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(stored).toBe(0);
  });
});
