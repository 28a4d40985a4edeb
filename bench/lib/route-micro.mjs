/**
 * The route rules' own cost, in process: Tollgate's chooseRoute (dist/policy/routes.js) on the
 * scenario's rules and the bench call's attribution, timed over many calls. A complement to the CPU
 * difference between two gateway processes, whose noise on a shared machine is several µs per call.
 */
import { performance } from 'node:perf_hooks';

export async function routeMicro(routes, { model, promptBytes = 1024, calls = 200_000 } = {}) {
  const { chooseRoute } = await import('../../dist/policy/routes.js');
  const { routeSchema } = await import('../../dist/config/schema.js');
  const rules = routes.map((r) => routeSchema.parse(r));
  const input = (i) => ({
    requested: model,
    keyId: 'bench-key',
    team: 'bench',
    user: null,
    project: null,
    tags: [],
    agent: null,
    header: null,
    promptBytes,
    hasTools: false,
    hasImages: false,
    budgetUsedPct: null,
    stickyKey: `call-${i}`,
  });
  let last = null;
  for (let i = 0; i < 20_000; i++) last = chooseRoute(rules, [], input(i)); // JIT warm-up
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls / 5; i++) last = chooseRoute(rules, [], input(i));
    rounds.push(((performance.now() - t0) * 1000) / (calls / 5));
  }
  return { rules: rules.length, matchedRule: last.ruleName, usPerCall: Math.min(...rounds), usPerCallRounds: rounds.map((x) => Math.round(x * 1000) / 1000) };
}
