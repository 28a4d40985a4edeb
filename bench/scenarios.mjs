/**
 * Bench scenarios. Each names the requests sent, the mock's options, and the targets measured side by
 * side in one run: a peer by name ('direct', 'bare', 'tollgate', 'portkey'), or a Tollgate variant
 * `{ name, kind: 'tollgate', label, tollgate: <config fragment>, redis?: true }` (the fragment is merged
 * over the base config in lib/targets.mjs; `redis` adds `limits: { kind: redis, ... }` with a random
 * prefix). `measures` picks the measures (default all), `analysis` the checks (lib/analysis.mjs,
 * lib/compare.mjs). `BENCH_SCENARIOS=a,b` picks which run; 'guard' is the run-guard micro-benchmark
 * (guard.mjs), run in its own process.
 */

import { routeMicro } from './lib/route-micro.mjs';

const MODEL = 'gpt-4o-mini';
const FILLER =
  'Summarise the following notes for a weekly engineering review, keeping every number and owner. ';

/** An OpenAI chat request padded to exactly `bytes` bytes of JSON. */
export function chatRequest({ bytes = 1024, stream = false } = {}) {
  const make = (text) =>
    JSON.stringify({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are a concise assistant.' },
        { role: 'user', content: text },
      ],
      temperature: 0.2,
      // Clients that meter (Vercel AI SDK, LangChain) ask for the usage chunk; the peers then get
      // the same bytes as Tollgate, which would otherwise add it upstream and drop it downstream.
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
  const overhead = Buffer.byteLength(make(''));
  let text = FILLER.repeat(Math.ceil(bytes / FILLER.length)).slice(0, Math.max(0, bytes - overhead));
  text = text.trimEnd() + '.'.repeat(Math.max(0, bytes - overhead - text.trimEnd().length));
  return { body: make(text), stream };
}

const WORDS = (
  'plan build test review deploy parse index cache route ledger budget stream token schema retry merge ' +
  'branch commit patch diff lint format compile bundle release rollback migrate seed query join filter ' +
  'sort group limit offset cursor page batch queue worker thread lock mutex channel signal timer clock ' +
  'metric trace span log alert page owner ticket sprint estimate scope risk blocker decision summary note'
).split(' ');

const CONTEXT =
  'Context: the agent is fixing a flaky integration test in the payments service; the fixture clock ' +
  'is shared between tests. Plan: one clock per test, run the suite three times, open a pull request.';

/**
 * A healthy agent-like load for the run guard: each request is one step of a run (its own
 * x-tollgate-run, one of `runIds`) whose new part (the last assistant turn and the next user turn)
 * differs every time, and whose answer differs too: the user turn ends with a mock directive
 * (`[[mock:{"reply_text": ...}]]`, see src/mock/directive.ts) asking for `replyBytes` of random
 * words. (The mock's default answer is the same text every time; to the guard, an agent that keeps
 * getting the same answer is an echo loop, and it rightly stops it.) wrk builds each request
 * (lib/wrk.mjs, variedLua); `body` is one such request, for the probe.
 */
export function variedRequest({ bytes = 1024, runIds = 10_000, replyBytes = 400 } = {}) {
  const A = '@@ASSISTANT@@';
  const U = '@@USER@@';
  const json = JSON.stringify({
    model: MODEL,
    messages: [
      { role: 'system', content: 'You are a careful coding agent.' },
      { role: 'user', content: CONTEXT },
      { role: 'assistant', content: A },
      { role: 'user', content: U },
    ],
    temperature: 0.2,
  });
  const [p1, rest] = json.split(A);
  const [p2, p3] = rest.split(U);
  // The directive as it appears inside the JSON string of the user turn (quotes escaped).
  const escaped = (text) => JSON.stringify(text).slice(1, -1);
  const directive = [escaped('[[mock:{"reply_text":"'), escaped('"}]]')];
  const a = 'Done step 0 of run 0.';
  const need = bytes - p1.length - p2.length - p3.length - directive[0].length - directive[1].length - replyBytes - a.length;
  if (need < 100) throw new Error(`variedRequest: ${bytes} bytes leave no room for a new turn`);
  const fill = (prefix, n) => `${prefix} ${WORDS.join(' ')} ${WORDS.join(' ')}`.slice(0, n).padEnd(n, '.');
  const u = fill('Request 0 of thread 0:', need) + directive[0] + fill('Step 0:', replyBytes) + directive[1];
  return { body: p1 + a + p2 + u + p3, stream: false, varied: { parts: [p1, p2, p3], directive, words: WORDS, runIds, bytes, replyBytes } };
}

/** Budgets, rate limits and the run guard off: what the core scenario measures. */
const POLICIES_OFF = { defaults: { key_budget: null, key_rate_limit: null }, guard: { enabled: false } };

/**
 * Budgets on: the bench key is not `unlimited`, so the default key budget (key:*) applies, plus a
 * team and an org budget: three USD counters reserved before and committed after every call. The
 * limits are far above what a run spends (about $0.0002 a call), so nothing is ever refused; the
 * default key rate limit is off (600 rpm would refuse most of the load).
 */
const BUDGETS_ON = {
  defaults: { key_budget: { limit_usd: 100_000, period: 'month' }, key_rate_limit: null },
  budgets: [
    { scope: 'team:bench', limit_usd: 100_000, period: 'month' },
    { scope: 'org', limit_usd: 1_000_000, period: 'month' },
  ],
  guard: { enabled: false },
};

/**
 * 49 rules that do not match the bench call (other teams, models, keys, tags, agents, route headers,
 * prompt sizes; half of them match the model and fail on a later condition), then the one that does.
 */
function fiftyRules() {
  const miss = [
    (i) => ({ team: `team-${i}` }),
    (i) => ({ model: `other-model-${i}` }),
    (i) => ({ model: MODEL, team: `team-${i}` }),
    (i) => ({ model: MODEL, tags: [`batch-${i}`] }),
    (i) => ({ model: MODEL, header: `route-${i}` }),
    (i) => ({ key: `key-${i}` }),
    (i) => ({ model: MODEL, agent: `agent-${i}` }),
    (i) => ({ model: [`other-${i}`, `other-${i}-mini`], project: `project-${i}` }),
    (i) => ({ model: MODEL, prompt_tokens: { gt: 100_000 + i } }),
  ];
  const rules = [];
  for (let i = 0; i < 49; i++) rules.push({ name: `rule-${i + 1}`, match: miss[i % miss.length](i), serve: i % 2 ? MODEL : 'bench-alt' });
  rules.push({ name: 'rule-50', match: { model: MODEL }, serve: MODEL });
  return rules;
}

/** A second configured model, so rules can serve something else. */
const ALT_MODEL = { 'bench-alt': { provider: 'mock', upstream_model: MODEL, price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } } };

const tollgate = (name, label, fragment, extra = {}) => ({ name, kind: 'tollgate', label, tollgate: fragment, ...extra });

const plainOnly = { plain: chatRequest({ stream: false }) };

export const scenarios = [
  {
    name: 'core',
    title: 'Auth + metering + ledger (SQLite); budgets, rate limits and run guard off',
    model: MODEL,
    analysis: 'core',
    /**
     * Merged over the base config, where auth, metering and the SQLite ledger are always on. The
     * policies are off: the per-key default budget and rate limit (600 requests/minute would refuse
     * most of the load) and the run guard (the bench repeats one request, which is a loop to it).
     */
    tollgate: POLICIES_OFF,
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: { plain: chatRequest({ stream: false }), stream: chatRequest({ stream: true }) },
    peers: ['direct', 'bare', 'tollgate', 'portkey'],
  },
  {
    name: 'budgets',
    title: 'Budgets on (key, team, org): local counters vs Redis counters vs budgets off',
    model: MODEL,
    analysis: 'budgets',
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: plainOnly,
    measures: ['rps', 'latency'],
    baseline: 'off',
    peers: [
      'direct',
      tollgate('off', 'Tollgate, budgets off', POLICIES_OFF),
      tollgate('local', 'Tollgate, budgets on, local counters', BUDGETS_ON),
      tollgate('redis', 'Tollgate, budgets on, Redis counters (fail closed)', BUDGETS_ON, { redis: true }),
      // BUDGETS_BASE_DIST=<another build's dist/>: its local and Redis targets too, for a before/after in one run.
      ...(process.env.BUDGETS_BASE_DIST
        ? [
            tollgate('local-base', `Tollgate from ${process.env.BUDGETS_BASE_LABEL ?? 'BUDGETS_BASE_DIST'}, local counters`, BUDGETS_ON, { cli: `${process.env.BUDGETS_BASE_DIST}/cli/index.js` }),
            tollgate('redis-base', `Tollgate from ${process.env.BUDGETS_BASE_LABEL ?? 'BUDGETS_BASE_DIST'}, Redis counters`, BUDGETS_ON, { redis: true, cli: `${process.env.BUDGETS_BASE_DIST}/cli/index.js` }),
          ]
        : []),
    ],
  },
  {
    name: 'guard-load',
    title: 'Run guard on vs off under a healthy agent-like load (10,000 live runs)',
    model: MODEL,
    analysis: 'guard',
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: { plain: variedRequest({ runIds: 10_000 }) },
    measures: ['rps', 'latency'],
    baseline: 'guard-off',
    peers: [
      tollgate('guard-off', 'Tollgate, run guard off', POLICIES_OFF),
      tollgate('guard-on', 'Tollgate, run guard on (default policy)', { ...POLICIES_OFF, guard: { enabled: true } }),
    ],
  },
  {
    name: 'routing',
    title: 'Route rules (50, the last one matching) and response-cache hits vs no rules',
    model: MODEL,
    analysis: 'routing',
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: plainOnly,
    measures: ['rps', 'latency'],
    baseline: 'no-rules',
    /** Run before the targets start: the 50 rules' matching alone, in process (lib/route-micro.mjs). */
    micro: async () => ({ routes: await routeMicro(fiftyRules(), { model: MODEL }) }),
    peers: [
      tollgate('no-rules', 'Tollgate, no route rules (proxied)', { ...POLICIES_OFF, models: ALT_MODEL }),
      tollgate('rules-50', 'Tollgate, 50 rules, the last matches', { ...POLICIES_OFF, models: ALT_MODEL, routes: fiftyRules() }),
      tollgate('cache-hit', 'Tollgate, cache rule (team scope), every call a hit', {
        ...POLICIES_OFF,
        models: ALT_MODEL,
        routes: [{ name: 'cache', match: { model: MODEL }, cache: { ttl_seconds: 3600, scope: 'team' } }],
      }),
    ],
  },
  {
    name: 'recording',
    title: 'Recording a call: ledger with its rollups kept (as shipped) vs the ledger rows alone',
    model: MODEL,
    analysis: 'recording',
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: plainOnly,
    measures: ['rps', 'latency'],
    baseline: 'calls-only',
    /**
     * Both are the core scenario's Tollgate (SQLite ledger, policies off). The baseline's store skips the
     * rollup fold (TOLLGATE_BENCH_SKIP_ROLLUPS=1, read by storage/index.ts for this bench only): it
     * writes the same ledger rows and leaves the rollups empty, which the run checks afterwards.
     */
    peers: [
      tollgate('calls-only', 'Tollgate, ledger rows only (rollup fold skipped)', POLICIES_OFF, { env: { TOLLGATE_BENCH_SKIP_ROLLUPS: '1' } }),
      tollgate('rollups', 'Tollgate, ledger rows and rollups (as shipped)', POLICIES_OFF),
      // RECORDING_BASE_DIST=<another build's dist/>: that build too (e.g. one folding rollups per row in SQL).
      ...(process.env.RECORDING_BASE_DIST
        ? [tollgate('base', `Tollgate from ${process.env.RECORDING_BASE_LABEL ?? 'RECORDING_BASE_DIST'}`, POLICIES_OFF, { cli: `${process.env.RECORDING_BASE_DIST}/cli/index.js` })]
        : []),
    ],
  },
];

/** The run-guard micro-benchmark (guard.mjs), run by run.mjs as its own process with --expose-gc. */
export const GUARD_MICRO = 'guard';
