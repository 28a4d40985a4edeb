/**
 * What is measured for each target, one measure at a time. Each measure runs a short warm-up, then
 * the measured part, and returns one sample; `best()` picks the sample reported when rounds repeat.
 */
import { measureTtfb } from './client.mjs';
import { sampleRss } from './children.mjs';
import { loadSnapshot, otherLoad } from './machine-load.mjs';
import { runWrk } from './wrk.mjs';

/**
 * Run `fn` (one measured run) and add the CPU the target's process spent per completed request (µs)
 * and how busy the rest of the machine was meanwhile (see machine-load.mjs), plus what the target's
 * observers saw (observe.mjs: upstream calls, Redis commands), taken outside the timed snapshots.
 */
async function measured(target, fn) {
  const pids = target.proc.pid === target.mockPid ? [target.proc.pid] : [target.proc.pid, target.mockPid];
  pids.push(...(target.extraPids ?? []));
  const observers = target.observers ?? [];
  const starts = [];
  for (const o of observers) starts.push(await o.before());
  const before = await loadSnapshot(pids);
  const result = await fn();
  const after = await loadSnapshot(pids);
  const seen = {};
  for (let i = 0; i < observers.length; i++) Object.assign(seen, await observers[i].after(starts[i], result));
  const cpuUs = after.procs[0] - before.procs[0];
  return { ...result, cpuUsPerRequest: result.requests > 0 ? cpuUs / result.requests : null, ...otherLoad(before, after), ...seen };
}

function throughput(kind, s) {
  return {
    id: kind === 'plain' ? 'rps' : 'rps_stream',
    kind,
    title: `requests/s at c=${s.connections}, ${kind === 'plain' ? 'non-streaming' : 'streaming (whole streams)'}`,
    better: 'higher',
    async run(target) {
      const wrk = { url: target.url + target.path, script: target.scripts[kind], threads: s.threads, connections: s.connections };
      target.completed += (await runWrk({ ...wrk, seconds: s.warmup })).requests;
      const stopRss = target.measureRss ? sampleRss(target.proc.pid) : null;
      try {
        return await measured(target, () => runWrk({ ...wrk, seconds: s.duration }));
      } finally {
        if (stopRss) target.rssPeakMb = Math.max(target.rssPeakMb ?? 0, await stopRss());
      }
    },
  };
}

function latencyAtOne(s) {
  return {
    id: 'latency',
    kind: 'plain',
    title: 'latency at c=1, non-streaming (wrk -t1 -c1 --latency)',
    better: 'lower',
    async run(target) {
      const wrk = { url: target.url + target.path, script: target.scripts.plain, threads: 1, connections: 1 };
      target.completed += (await runWrk({ ...wrk, seconds: s.warmup })).requests;
      return measured(target, () => runWrk({ ...wrk, seconds: s.latencyDuration, latency: true }));
    },
  };
}

function timeToFirstByte(s) {
  return {
    id: 'ttfb',
    kind: 'stream',
    title: `streaming time to first byte at c=1 (Node client, up to ${s.ttfbN} sequential requests or ${s.ttfbSeconds} s)`,
    better: 'lower',
    run: (target) =>
      measured(target, () =>
        measureTtfb(target, target.requests.stream, { n: s.ttfbN, warmup: Math.min(100, s.ttfbN), maxSeconds: s.ttfbSeconds }),
      ),
  };
}

/**
 * Once per target before the first round: load it at c=50 with each request kind, so JIT warm-up
 * and pool growth are over before anything is measured (a few seconds of per-measure warm-up is not
 * enough for a freshly started Node process).
 */
export async function warmUp(target, s) {
  for (const kind of ['plain', 'stream']) {
    if (!target.probe[kind]?.ok) continue;
    const wrk = { url: target.url + target.path, script: target.scripts[kind], threads: s.threads, connections: s.connections };
    target.completed += (await runWrk({ ...wrk, seconds: s.initialWarmup })).requests;
  }
}

/** The measures, in order; `only` (a scenario's `measures`, e.g. ['rps', 'latency']) keeps those ids. */
export function measures(settings, only = null) {
  const all = [throughput('plain', settings), throughput('stream', settings), latencyAtOne(settings), timeToFirstByte(settings)];
  return only ? all.filter((m) => only.includes(m.id)) : all;
}

/** The p99 of a latency-like sample in µs, whichever measure produced it. */
export function p99Us(sample) {
  return sample.latencyUs?.p99 ?? sample.p99Us;
}

export function p50Us(sample) {
  return sample.latencyUs?.p50 ?? sample.p50Us;
}

/**
 * The reported sample among rounds: throughput takes the highest (noise on a shared machine only
 * lowers it); latency takes the round with the lowest p99 (noise only raises it), whole, so its p50
 * and p99 come from the same run. Samples with errors are used only when no clean one exists.
 */
export function best(measure, samples) {
  const clean = samples.filter((x) => !x.error && !(x.errorCount > 0));
  const pool = clean.length ? clean : samples.filter((x) => !x.error);
  if (pool.length === 0) return samples[0] ?? null;
  const score = measure.better === 'higher' ? (x) => -x.rps : (x) => p99Us(x);
  return pool.reduce((a, b) => (score(b) < score(a) ? b : a));
}

/** Relative spread of the headline number across rounds, (max - min) / max; null with one round. */
export function spread(measure, samples) {
  const values = samples.filter((x) => !x.error).map((x) => (measure.better === 'higher' ? x.rps : p99Us(x)));
  if (values.length < 2) return null;
  const max = Math.max(...values);
  return max > 0 ? (max - Math.min(...values)) / max : null;
}
