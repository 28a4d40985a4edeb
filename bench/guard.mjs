/**
 * Run-guard micro-benchmark: what the guard stage adds per call, with 32 KB prompts and 10,000 live
 * runs held in the in-process run store, where that time goes (GC pauses or work), what it allocates,
 * and the memory each live run costs (and that it does not grow with the run's length).
 * It runs exactly what pipeline/guard-run.ts runs per call (its exported `guardStart` / `guardEnd`
 * when the build has them): run identity, CallStart from the body, guardBefore under the run's lock,
 * then guardAfter the same way.
 * Run by `npm run bench` (BENCH_SCENARIOS=guard for it alone) as `node --expose-gc bench/guard.mjs`, after
 * the build; writes bench/results/guard.json and guard.md. With GUARD_BASELINE_DIST=<an older build's
 * dist/> the same measures run on that build too, alternating, each in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { describeMachine } from './lib/machine.mjs';

const RUNS = Number(process.env.GUARD_RUNS ?? 10_000);
const CALLS = Number(process.env.GUARD_CALLS ?? 20_000);
/** The boundedness check: this many extra runs driven for LONG_CALLS calls each (past every ring's size). */
const LONG_RUNS = Number(process.env.GUARD_LONG_RUNS ?? 300);
const LONG_CALLS = Number(process.env.GUARD_LONG_CALLS ?? 300);
const ROUNDS = Number(process.env.GUARD_ROUNDS ?? 1);
const HISTORY_CALLS = 12;
const PROMPT_BYTES = 32 * 1024;
const TTL = 6 * 3_600_000;
const TARGET_P99_US = 50;

const words = 'plan build test review deploy parse index cache route ledger budget stream token schema retry merge'.split(' ');
function text(seed, bytes) {
  let s = '';
  let x = (seed * 2654435761) >>> 0;
  while (s.length < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += words[x % words.length] + (x % 7 === 0 ? '. ' : ' ');
  }
  return s;
}
// The growing context: shared, already seen. Bodies are parsed from JSON text per call, as the gateway
// does, so their strings are flat like real ones (a string built by += is a rope that a reader flattens).
const historyJson = JSON.stringify(text(1, PROMPT_BYTES - 600));
function body(run, call) {
  return JSON.parse(
    `{"model":"gpt-5-mini","messages":[{"role":"system","content":"You are a careful coding agent."},{"role":"user","content":${historyJson}},` +
      `{"role":"assistant","content":"Done step ${call - 1} of run ${run}."},{"role":"user","content":${JSON.stringify(text(run * 100_003 + call, 500))}}]}`,
  );
}
function endOf(callId, run, call, now) {
  return { callId, at: now + 1, costNanos: 1000, promptTokens: 8000, outputTokens: 100, outputText: JSON.parse(JSON.stringify(text(run * 7 + call, 400))), toolCalls: [], ok: true, errorStatus: null };
}

/**
 * The control: fixed CPU work (integer math, no allocation) of about CONTROL_US, timed like a guard
 * call and interleaved with them. Its spread is what the machine adds (preemption on a shared box,
 * interrupts), not the guard: a guard p99 near the control's p99 is at the machine's noise floor.
 */
const CONTROL_US = 15;
let sink = 0;
function spin(k) {
  let x = sink | 1;
  for (let i = 0; i < k; i++) x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i;
  sink = x;
}
function calibrate() {
  for (let i = 0; i < 2000; i++) spin(5000); // optimised before it is timed
  let k = 1000;
  for (;;) {
    const t = process.hrtime.bigint();
    spin(k);
    const us = Number(process.hrtime.bigint() - t) / 1000;
    if (us > 200) {
      const times = [];
      const kk = Math.round((k * CONTROL_US) / us);
      for (let i = 0; i < 200; i++) {
        const t0 = process.hrtime.bigint();
        spin(kk);
        times.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
      times.sort((a, b) => a - b);
      return Math.round((kk * CONTROL_US) / times[100]);
    }
    k *= 2;
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round1 = (x) => Math.round(x * 10) / 10;

/** GC pauses (start, duration in ms) and the heap freed by each collection, while `fn` runs. */
async function underGcWatch(fn) {
  const pauses = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, ms: e.duration, kind: e.detail?.kind ?? e.kind });
  });
  obs.observe({ entryTypes: ['gc'] });
  const profiler = new v8.GCProfiler();
  const heapBefore = process.memoryUsage().heapUsed;
  profiler.start();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const stats = profiler.stop();
  const heapAfter = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 50)); // let the observer deliver the last entries
  obs.disconnect();
  let freed = 0;
  const byType = {};
  for (const s of stats.statistics) {
    freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    const t = (byType[s.gcType] ??= { count: 0, ms: 0 });
    t.count++;
    t.ms += s.cost / 1000;
  }
  return { wallMs, pauses, allocated: freed + (heapAfter - heapBefore), byType };
}

/** One child process: the measures on the build in `dist`. */
async function measure(dist) {
  const imp = (p) => import(pathToFileURL(resolve(dist, p)).href);
  const g = await imp('guard/index.js');
  const { MemoryRunStore } = await imp('storage/memory/run-store.js');
  const rt = await imp('storage/run-types.js');
  const stage = await imp('pipeline/guard-run.js').catch(() => ({}));
  const cfg = g.guardConfigSchema.parse({});
  const store = new MemoryRunStore(1_000_000);
  const locks = new rt.RunLocks();
  // Builds whose run store keys runs by team and id take a RunRef; older ones the run id alone.
  const runOf = (runId) => (rt.runKey ? { team: 't', runId } : runId);
  // The pipeline's own before/after (this build's), or, for builds without them, what the pipeline ran.
  const before =
    stage.guardStart ??
    ((st, lk, runId, start, c, now, ttl) =>
      lk.run(runId, () =>
        rt.updateRun(st, runId, () => ({ s: g.newRunState(runId, now), allow: false }), (x) => {
          const r = g.guardBefore(x.s, start, c, now);
          return { state: { s: r.state, allow: x.allow }, lastAt: now, result: r.decision };
        }, ttl),
      ).then((u) => u.result));
  const after =
    stage.guardEnd ??
    ((st, lk, runId, end, c, now, ttl) =>
      lk.run(runId, () =>
        rt.updateRun(st, runId, () => ({ s: g.newRunState(runId, now), allow: false }), (x) => {
          const r = g.guardAfter(x.s, end, c);
          return { state: { s: r.state, allow: x.allow }, lastAt: now, result: r.decision };
        }, ttl),
      ).then((u) => u.result));

  let decisions = 0;
  async function oneCall(run, call, now) {
    const b = body(run, call);
    const headers = { 'x-tollgate-run': `run-${run}`, 'x-tollgate-agent': call % 2 ? 'coder' : 'reviewer' };
    const t0 = process.hrtime.bigint();
    const { runId } = g.runIdentity({ headers, body: b, keyId: 'k1' });
    const start = g.callStartFromBody({ callId: `c-${run}-${call}`, at: now, agent: headers['x-tollgate-agent'], parent: null, body: b, promptBytes: PROMPT_BYTES, scopes: ['key:k1', 'team:t'] });
    const d1 = await before(store, locks, runOf(runId), start, cfg, now, TTL);
    const t1 = process.hrtime.bigint();
    const end = endOf(start.callId, run, call, now);
    const t2 = process.hrtime.bigint();
    const d2 = await after(store, locks, runOf(runId), end, cfg, now + 1, TTL);
    const t3 = process.hrtime.bigint();
    if (d1.action !== 'allow' || d2.action !== 'allow') decisions++;
    return Number(t1 - t0 + (t3 - t2)) / 1000; // µs spent in the guard for this call
  }

  let now = Date.parse('2026-11-25T00:00:00Z');
  global.gc();
  const heap0 = process.memoryUsage().heapUsed;
  for (let c = 0; c < HISTORY_CALLS; c++) for (let r = 0; r < RUNS; r++) await oneCall(r, c, (now += 2));
  global.gc();
  const heap1 = process.memoryUsage().heapUsed;

  // Measured: CALLS calls spread over the live runs, each timed, with GC watched.
  const samples = new Float64Array(CALLS);
  const startsMs = new Float64Array(CALLS);
  const control = new Float64Array(CALLS);
  const spinK = calibrate();
  const watch = await underGcWatch(async () => {
    for (let i = 0; i < CALLS; i++) {
      const r = (i * 7919) % RUNS;
      startsMs[i] = performance.now();
      samples[i] = await oneCall(r, HISTORY_CALLS + Math.floor(i / RUNS), (now += 2));
      const t0 = process.hrtime.bigint();
      spin(spinK);
      await null;
      control[i] = Number(process.hrtime.bigint() - t0) / 1000;
    }
  });
  // The harness's own allocation (bodies, outputs) for the same calls, to take out of the guard's.
  const harness = await underGcWatch(async () => {
    for (let i = 0; i < CALLS; i++) {
      const r = (i * 7919) % RUNS;
      const b = body(r, HISTORY_CALLS + i);
      const callId = `c-${r}-${i}`;
      const headers = { 'x-tollgate-run': `run-${r}`, 'x-tollgate-agent': 'coder' };
      if (endOf(callId, r, i, now).outputText.length + b.messages.length + headers['x-tollgate-run'].length < 0) decisions++;
      await null;
    }
  });

  // Bounded: LONG_RUNS more runs driven LONG_CALLS calls each; heap per run after HISTORY_CALLS and after LONG_CALLS.
  global.gc();
  const heapL0 = process.memoryUsage().heapUsed;
  for (let c = 0; c < HISTORY_CALLS; c++) for (let r = 0; r < LONG_RUNS; r++) await oneCall(RUNS + r, c, (now += 2));
  global.gc();
  const heapL1 = process.memoryUsage().heapUsed;
  const mid = Math.floor(LONG_CALLS / 2);
  for (let c = HISTORY_CALLS; c < mid; c++) for (let r = 0; r < LONG_RUNS; r++) await oneCall(RUNS + r, c, (now += 2));
  global.gc();
  const heapLm = process.memoryUsage().heapUsed;
  for (let c = mid; c < LONG_CALLS; c++) for (let r = 0; r < LONG_RUNS; r++) await oneCall(RUNS + r, c, (now += 2));
  global.gc();
  const heapL2 = process.memoryUsage().heapUsed;
  const stored = await store.load(runOf(`run-${RUNS}`));
  const stateJsonBytes = JSON.stringify(stored.state).length;

  const sorted = Float64Array.from(samples).sort();
  const controlSorted = Float64Array.from(control).sort();
  const p99 = pct(sorted, 99);
  // Which of the slowest 1% of calls overlapped a GC pause.
  let slow = 0;
  let slowInGc = 0;
  const pauses = watch.pauses.slice().sort((a, b) => a.start - b.start);
  for (let i = 0; i < CALLS; i++) {
    if (samples[i] < p99) continue;
    slow++;
    const s = startsMs[i];
    const e = s + samples[i] / 1000 + 0.05;
    if (pauses.some((p) => p.start < e && p.start + p.ms > s)) slowInGc++;
  }
  const gcMs = watch.pauses.reduce((n, p) => n + p.ms, 0);
  const guardMs = samples.reduce((n, x) => n + x, 0) / 1000;
  return {
    guard_us: { p50: pct(sorted, 50), p90: pct(sorted, 90), p99, p999: pct(sorted, 99.9), max: sorted[sorted.length - 1], mean: (guardMs * 1000) / CALLS },
    control_us: { work_us: CONTROL_US, p50: pct(controlSorted, 50), p99: pct(controlSorted, 99), p999: pct(controlSorted, 99.9) },
    gc: {
      pauses: watch.pauses.length,
      pause_ms_total: round1(gcMs),
      share_of_wall: gcMs / watch.wallMs,
      share_of_guard_time: gcMs / guardMs,
      max_pause_ms: round1(Math.max(0, ...watch.pauses.map((p) => p.ms))),
      by_type: watch.byType,
      slowest_1pct_overlapping_gc: slow ? slowInGc / slow : 0,
    },
    alloc_bytes_per_call: { guard: Math.round((watch.allocated - harness.allocated) / CALLS), with_harness: Math.round(watch.allocated / CALLS), harness: Math.round(harness.allocated / CALLS) },
    wall_ms: round1(watch.wallMs),
    memory: {
      live_runs: store.size,
      heap_bytes_per_run: Math.round((heap1 - heap0) / RUNS),
      heap_bytes_per_run_after_history_calls: Math.round((heapL1 - heapL0) / LONG_RUNS),
      heap_bytes_per_run_after_half_long_calls: Math.round((heapLm - heapL0) / LONG_RUNS),
      heap_bytes_per_run_after_long_calls: Math.round((heapL2 - heapL0) / LONG_RUNS),
      state_json_bytes: stateJsonBytes,
    },
    non_allow_decisions: decisions,
  };
}

const child = process.argv.indexOf('--child');
if (child >= 0) {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  const out = await measure(process.argv[child + 1]);
  process.stdout.write(`\n@@RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

const here = fileURLToPath(new URL('.', import.meta.url));
const builds = [{ name: 'current', dist: resolve(here, '../dist') }];
if (process.env.GUARD_BASELINE_DIST) builds.unshift({ name: 'baseline', dist: resolve(process.env.GUARD_BASELINE_DIST) });
const machine = await describeMachine();
const rounds = Object.fromEntries(builds.map((b) => [b.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 ? builds.slice().reverse() : builds) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', b.dist], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const m = /@@RESULT (.+)\n/.exec(r.stdout ?? '');
    if (r.status !== 0 || !m) throw new Error(`guard bench (${b.name}) failed: ${(r.stderr || r.stdout).slice(-800)}`);
    const res = JSON.parse(m[1]);
    rounds[b.name].push(res);
    console.error(`round ${round + 1} ${b.name}: p50 ${res.guard_us.p50.toFixed(1)} µs, p99 ${res.guard_us.p99.toFixed(1)} µs, GC ${(res.gc.share_of_wall * 100).toFixed(1)}% of wall, ${res.alloc_bytes_per_call.guard} B/call`);
  }
}
/** Each build's round with the lowest p99 (noise on a shared machine only adds). */
const best = Object.fromEntries(builds.map((b) => [b.name, rounds[b.name].slice().sort((x, y) => x.guard_us.p99 - y.guard_us.p99)[0]]));
const cur = best.current;
/** Bounded: per-run heap after LONG_CALLS calls within 10% of after half as many (both past every ring's size). */
const maxBoundGrowth = cur.memory.heap_bytes_per_run_after_long_calls / Math.max(1, cur.memory.heap_bytes_per_run_after_half_long_calls);
const result = {
  machine,
  settings: {
    live_runs: RUNS,
    measured_calls: CALLS,
    prompt_bytes: PROMPT_BYTES,
    history_calls_per_run: HISTORY_CALLS,
    long_runs: LONG_RUNS,
    long_calls_per_run: LONG_CALLS,
    rounds: ROUNDS,
    store: 'memory',
    note: 'guard time per call = guardBefore + guardAfter stages incl. identity, CallStart, lock and store update; allocation = bytes the GC freed plus heap growth, minus the harness alone',
  },
  builds: Object.fromEntries(builds.map((b) => [b.name, { best: best[b.name], rounds: rounds[b.name] }])),
  guard_us: cur.guard_us,
  memory: cur.memory,
  targets: { p99_us: TARGET_P99_US, pass: cur.guard_us.p99 <= TARGET_P99_US, memory_bounded: maxBoundGrowth <= 1.1 },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/guard.json', import.meta.url), JSON.stringify(result, null, 2));

const pctStr = (x) => `${(x * 100).toFixed(1)}%`;
const row = (label, f) => `| ${label} | ${builds.map((b) => f(best[b.name])).join(' | ')} |`;
const md = `# Bench: run guard

${machine.date}, ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}. Load average at start: ${machine.loadAverageAtStart.join(' ')} (a shared machine: absolute µs are pessimistic).

${RUNS} live runs in the in-process run store, ${CALLS} measured calls, ${PROMPT_BYTES / 1024} KB prompts (a shared 31 KB context plus a new ~500-byte turn), after ${HISTORY_CALLS} calls of history per run. ${ROUNDS} round(s) per build, each in a fresh process; the round with the lowest p99 shown.

| measure | ${builds.map((b) => b.name).join(' | ')} |
| --- | ${builds.map(() => '---').join(' | ')} |
${row('guard time per call p50', (r) => `${r.guard_us.p50.toFixed(1)} µs`)}
${row('guard time per call p90', (r) => `${r.guard_us.p90.toFixed(1)} µs`)}
${row('guard time per call p99', (r) => `${r.guard_us.p99.toFixed(1)} µs`)}
${row('guard time per call p99.9', (r) => `${r.guard_us.p999.toFixed(1)} µs`)}
${row(`control: ${CONTROL_US} µs of fixed work, p50 / p99 (the machine's noise)`, (r) => `${r.control_us.p50.toFixed(1)} / ${r.control_us.p99.toFixed(1)} µs`)}
${row('GC pauses, share of wall time', (r) => `${pctStr(r.gc.share_of_wall)} (${r.gc.pauses} pauses, max ${r.gc.max_pause_ms} ms)`)}
${row('slowest 1% of calls overlapping a GC pause', (r) => pctStr(r.gc.slowest_1pct_overlapping_gc))}
${row('allocated per call (guard only)', (r) => `${r.alloc_bytes_per_call.guard} B`)}
${row('heap per live run (after 12 calls)', (r) => `${r.memory.heap_bytes_per_run} B`)}
${row(`heap per run after ${HISTORY_CALLS} / ${Math.floor(LONG_CALLS / 2)} / ${LONG_CALLS} calls (${LONG_RUNS} runs)`, (r) => `${r.memory.heap_bytes_per_run_after_history_calls} / ${r.memory.heap_bytes_per_run_after_half_long_calls} / ${r.memory.heap_bytes_per_run_after_long_calls} B`)}
${row('state as JSON (Redis)', (r) => `${r.memory.state_json_bytes} B`)}

Checks (current build): guard p99 ${cur.guard_us.p99.toFixed(1)} µs <= ${TARGET_P99_US} µs: **${result.targets.pass ? 'pass' : 'fail'}**; memory per run bounded (after ${LONG_CALLS} calls within 10% of after ${Math.floor(LONG_CALLS / 2)}): **${result.targets.memory_bounded ? 'pass' : 'fail'}** (${cur.memory.heap_bytes_per_run_after_half_long_calls} -> ${cur.memory.heap_bytes_per_run_after_long_calls} B).
`;
writeFileSync(new URL('./results/guard.md', import.meta.url), md);
console.log(md);
