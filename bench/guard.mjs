/**
 * Run-guard micro-benchmark: what the guard stage adds per call, with 32 KB prompts and 10,000 live
 * runs held in the in-process run store, and the memory each live run costs.
 * It runs exactly what pipeline/guard-run.ts runs per call: run identity, CallStart from the body,
 * guardBefore under the run's lock with a compare-and-set update, then guardAfter the same way.
 * Run by `npm run bench` (BENCH_SCENARIOS=guard for it alone) as `node --expose-gc bench/guard.mjs`, after
 * the build; writes bench/results/guard.json and guard.md.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { describeMachine } from './lib/machine.mjs';
import { callStartFromBody, guardAfter, guardBefore, guardConfigSchema, newRunState, runIdentity } from '../dist/guard/index.js';
import { MemoryRunStore } from '../dist/storage/memory/run-store.js';
import { RunLocks, updateRun } from '../dist/storage/run-types.js';

const RUNS = Number(process.env.GUARD_RUNS ?? 10_000);
const CALLS = Number(process.env.GUARD_CALLS ?? 20_000);
const PROMPT_BYTES = 32 * 1024;
const cfg = guardConfigSchema.parse({});
const store = new MemoryRunStore(1_000_000);
const locks = new RunLocks();
const TTL = 6 * 3_600_000;

const words = 'plan build test review deploy parse index cache route ledger budget stream token schema retry merge'.split(' ');
function text(seed, bytes) {
  let s = '';
  let x = seed * 2654435761 >>> 0;
  while (s.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += words[x % words.length] + (x % 7 === 0 ? '. ' : ' ');
  }
  return s;
}
const history = text(1, PROMPT_BYTES - 600); // the growing context: shared, already seen
function body(run, call) {
  return {
    model: 'gpt-5-mini',
    messages: [
      { role: 'system', content: 'You are a careful coding agent.' },
      { role: 'user', content: history },
      { role: 'assistant', content: `Done step ${call - 1} of run ${run}.` },
      { role: 'user', content: text(run * 100_003 + call, 500) },
    ],
  };
}

async function oneCall(run, call, now) {
  const b = body(run, call);
  const headers = { 'x-tollgate-run': `run-${run}`, 'x-tollgate-agent': call % 2 ? 'coder' : 'reviewer' };
  const t0 = process.hrtime.bigint();
  const { runId } = runIdentity({ headers, body: b, keyId: 'k1' });
  const start = callStartFromBody({ callId: `c-${run}-${call}`, at: now, agent: headers['x-tollgate-agent'], parent: null, body: b, promptBytes: PROMPT_BYTES, scopes: ['key:k1', 'team:t'] });
  await locks.run(runId, () =>
    updateRun(store, runId, () => ({ s: newRunState(runId, now), allow: false }), (st) => {
      const r = guardBefore(st.s, start, cfg, now);
      return { state: { s: r.state, allow: st.allow }, lastAt: now, result: r.decision };
    }, TTL),
  );
  const t1 = process.hrtime.bigint();
  const end = { callId: start.callId, at: now + 1, costNanos: 1000, promptTokens: 8000, outputTokens: 100, outputText: text(run * 7 + call, 400), toolCalls: [], ok: true, errorStatus: null };
  const t2 = process.hrtime.bigint();
  await locks.run(runId, () =>
    updateRun(store, runId, () => ({ s: newRunState(runId, now), allow: false }), (st) => {
      const r = guardAfter(st.s, end, cfg);
      return { state: { s: r.state, allow: st.allow }, lastAt: now, result: r.decision };
    }, TTL),
  );
  const t3 = process.hrtime.bigint();
  return Number(t1 - t0 + (t3 - t2)) / 1000; // µs spent in the guard for this call
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
let now = Date.parse('2026-11-25T00:00:00Z');
// Fill: every run gets 12 calls of history.
for (let c = 0; c < 12; c++) for (let r = 0; r < RUNS; r++) await oneCall(r, c, (now += 1));
global.gc?.();
const heap1 = process.memoryUsage().heapUsed;
const perRunBytes = Math.round((heap1 - heap0) / RUNS);

const samples = [];
for (let i = 0; i < CALLS; i++) {
  const r = (i * 7919) % RUNS;
  samples.push(await oneCall(r, 12 + Math.floor(i / RUNS), (now += 1)));
}
samples.sort((a, b) => a - b);
const result = {
  machine: await describeMachine(),
  settings: { live_runs: RUNS, measured_calls: CALLS, prompt_bytes: PROMPT_BYTES, history_calls_per_run: 12, store: 'memory', note: 'guard time per call = guardBefore + guardAfter stages incl. identity, CallStart, lock and compare-and-set' },
  guard_us: { p50: pct(samples, 50), p90: pct(samples, 90), p99: pct(samples, 99), max: samples[samples.length - 1] },
  memory: { live_runs: store.size, heap_bytes_per_run: perRunBytes, gc_exposed: typeof global.gc === 'function' },
  targets: { p99_us: 50, pass: pct(samples, 99) <= 50 },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/guard.json', import.meta.url), JSON.stringify(result, null, 2));
const md = `# Bench: run guard

${result.machine.date}, ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, ${result.machine.os}, Node ${result.machine.node}. Load average at start: ${result.machine.loadAverageAtStart.join(' ')} (a shared machine).

${RUNS} live runs in the in-process run store, ${CALLS} measured calls, ${PROMPT_BYTES / 1024} KB prompts (a shared 31 KB context plus a new ~500-byte turn), after 12 calls of history per run.

| measure | value | target |
| --- | --- | --- |
| guard time per call p50 | ${result.guard_us.p50.toFixed(1)} µs | |
| guard time per call p90 | ${result.guard_us.p90.toFixed(1)} µs | |
| guard time per call p99 | ${result.guard_us.p99.toFixed(1)} µs | <= 50 µs: **${result.targets.pass ? 'pass' : 'fail'}** |
| heap per live run | ${(perRunBytes / 1024).toFixed(1)} KB | bounded (ring buffers, sketches not texts) |
`;
writeFileSync(new URL('./results/guard.md', import.meta.url), md);
console.log(md);
