/**
 * Bench scenarios. Each names a Tollgate config fragment (merged over the base config in
 * lib/targets.mjs), the requests sent, and the peers measured beside Tollgate. Later scenarios
 * (budgets on, Redis) add an entry here; `BENCH_SCENARIOS=a,b` picks which run.
 */

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

export const scenarios = [
  {
    name: 'core',
    title: 'Auth + metering + ledger (SQLite); budgets, rate limits and run guard off',
    model: MODEL,
    /**
     * Merged over the base config, where auth, metering and the SQLite ledger are always on. The
     * policies are off: the per-key default budget and rate limit (600 requests/minute would refuse
     * most of the load) and the run guard (the bench repeats one request, which is a loop to it).
     */
    tollgate: { defaults: { key_budget: null, key_rate_limit: null }, guard: { enabled: false } },
    mock: { 'response-bytes': 1024, tokens: 16 },
    requests: { plain: chatRequest({ stream: false }), stream: chatRequest({ stream: true }) },
    peers: ['direct', 'bare', 'tollgate', 'portkey'],
  },
];
