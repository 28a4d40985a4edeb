/**
 * Numbers derived from the measured samples: ratios, latency added over direct, the pass/fail checks
 * against Tollgate's targets, and plain sentences about where it falls short, built from the numbers.
 */
import { p50Us, p99Us } from './measures.mjs';

export const TARGETS = { throughputVsBare: 0.9, addedP99Ms: 1, rssMb: 150 };

const ms = (us) => (us === null || us === undefined ? null : us / 1000);
const round = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const ratio = (a, b) => (a && b ? round(a / b) : null);

function sample(targets, name, id) {
  const t = targets[name];
  return t && !t.skipped ? (t.best[id] ?? null) : null;
}

/** Added latency of `name` over direct, in ms, for a latency-like measure. */
function added(targets, name, id) {
  const s = sample(targets, name, id);
  const d = sample(targets, 'direct', id);
  if (!s || !d || s.error || d.error) return null;
  return { p50Ms: round(ms(p50Us(s) - p50Us(d))), p99Ms: round(ms(p99Us(s) - p99Us(d))) };
}

export function derive(targets) {
  const rps = (name, id) => sample(targets, name, id)?.rps ?? null;
  const ratios = {
    tollgate_vs_bare: ratio(rps('tollgate', 'rps'), rps('bare', 'rps')),
    tollgate_vs_bare_stream: ratio(rps('tollgate', 'rps_stream'), rps('bare', 'rps_stream')),
    bare_vs_portkey: ratio(rps('bare', 'rps'), rps('portkey', 'rps')),
    bare_vs_portkey_stream: ratio(rps('bare', 'rps_stream'), rps('portkey', 'rps_stream')),
    tollgate_vs_direct: ratio(rps('tollgate', 'rps'), rps('direct', 'rps')),
    bare_vs_direct: ratio(rps('bare', 'rps'), rps('direct', 'rps')),
  };
  const addedLatency = {};
  for (const name of ['bare', 'tollgate', 'portkey']) {
    if (!targets[name] || targets[name].skipped) continue;
    addedLatency[name] = { latency: added(targets, name, 'latency'), ttfb: added(targets, name, 'ttfb') };
  }
  const tg = addedLatency.tollgate;
  const rss = targets.tollgate?.rssPeakMb ?? null;
  const check = (name, value, target, pass, unit) => ({ name, value, target, unit, pass: value === null ? null : pass });
  const checks = [
    check('Tollgate throughput vs bare, non-streaming', ratios.tollgate_vs_bare, `>= ${TARGETS.throughputVsBare}`, ratios.tollgate_vs_bare >= TARGETS.throughputVsBare, 'x'),
    check('Tollgate throughput vs bare, streaming', ratios.tollgate_vs_bare_stream, `>= ${TARGETS.throughputVsBare}`, ratios.tollgate_vs_bare_stream >= TARGETS.throughputVsBare, 'x'),
    check('Tollgate added p99 at c=1, non-streaming', tg?.latency?.p99Ms ?? null, `<= ${TARGETS.addedP99Ms}`, tg?.latency?.p99Ms <= TARGETS.addedP99Ms, 'ms'),
    check('Tollgate added p99 time to first byte at c=1, streaming', tg?.ttfb?.p99Ms ?? null, `<= ${TARGETS.addedP99Ms}`, tg?.ttfb?.p99Ms <= TARGETS.addedP99Ms, 'ms'),
    check('Tollgate peak RSS under c=50 load', round(rss, 1), `<= ${TARGETS.rssMb}`, rss <= TARGETS.rssMb, 'MB'),
  ];
  return { ratios, addedLatency, checks, findings: findings(targets, addedLatency, checks) };
}

/** The error line of a dead process's output (e.g. "RequestAbortedError [AbortError]: Request aborted"). */
export function crashLine(crashed) {
  const lines = crashed.output.split('\n').map((l) => l.trim());
  return lines.find((l) => /^[A-Za-z]*Error\b/.test(l)) ?? lines.find((l) => /error/i.test(l) && !l.startsWith('at ')) ?? null;
}

const pct = (x) => `${Math.round(x * 100)}%`;
const f1 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));

/** Sentences computed from the numbers: what fell short, by how much, and what the data says about why. */
function findings(targets, addedLatency, checks) {
  const out = [];
  for (const [name, t] of Object.entries(targets)) {
    if (!t.crashed) continue;
    const error = crashLine(t.crashed);
    out.push(`${name} died during the run (${t.crashed.how}${error ? `: ${error}` : ''}); the numbers after that point are missing.`);
  }
  const failed = checks.filter((c) => c.pass === false);
  const unknown = checks.filter((c) => c.pass === null);
  if (failed.length === 0 && unknown.length === 0) {
    const tight = checks
      .filter((c) => c.unit === 'x')
      .map((c) => `${c.name}: ${c.value}x (target ${c.target})`)
      .join('; ');
    out.push(`Every target was met in this run. Closest to its limit: ${tight}.`);
  } else if (failed.length > 0) {
    out.push(`Tollgate misses ${failed.length} of ${checks.length} targets: ${failed.map((c) => c.name.replace(/^Tollgate /, '')).join('; ')}.`);
  }
  if (unknown.length > 0) out.push(`Not measured: ${unknown.map((c) => c.name.replace(/^Tollgate /, '')).join('; ')} (see the notes below).`);

  for (const [id, label] of [['rps', 'non-streaming'], ['rps_stream', 'streaming']]) {
    const tg = sample(targets, 'tollgate', id);
    const bare = sample(targets, 'bare', id);
    const direct = sample(targets, 'direct', id);
    if (!tg?.rps || !bare?.rps) continue;
    const cpuTg = tg.cpuUsPerRequest;
    const cpuBare = bare.cpuUsPerRequest;
    let s = `${label[0].toUpperCase()}${label.slice(1)} at c=50: Tollgate ${Math.round(tg.rps)} req/s vs bare ${Math.round(bare.rps)}`;
    if (direct?.rps) s += ` vs direct ${Math.round(direct.rps)} (bare proxying alone keeps ${pct(bare.rps / direct.rps)} of direct)`;
    s += '.';
    if (cpuTg && cpuBare) {
      s += ` The gateway process spends ${f1(cpuTg)} µs of CPU per request against the bare proxy's ${f1(cpuBare)} µs`;
      s += ` (+${f1(cpuTg - cpuBare)} µs, ${pct(cpuTg / cpuBare - 1)} more).`;
    }
    const spreadTg = targets.tollgate.spread?.[id];
    const spreadBare = targets.bare.spread?.[id];
    const noise = Math.max(spreadTg ?? 0, spreadBare ?? 0);
    if (noise > 0) {
      const gap = Math.abs(1 - tg.rps / bare.rps);
      s += ` Round-to-round spread was up to ${pct(noise)}, so a gap of ${pct(gap)} ${gap <= noise ? 'is within this run\'s noise' : 'is larger than this run\'s noise'}.`;
    }
    out.push(s);
  }

  const tgAdded = addedLatency.tollgate;
  const bareAdded = addedLatency.bare;
  if (tgAdded?.latency && bareAdded?.latency) {
    out.push(
      `At c=1 Tollgate adds ${f2(tgAdded.latency.p50Ms)} ms p50 / ${f2(tgAdded.latency.p99Ms)} ms p99 over direct; ` +
        `the bare proxy adds ${f2(bareAdded.latency.p50Ms)} / ${f2(bareAdded.latency.p99Ms)} ms, ` +
        `so Tollgate's own share is about ${f2(tgAdded.latency.p50Ms - bareAdded.latency.p50Ms)} ms p50 and ` +
        `${f2(tgAdded.latency.p99Ms - bareAdded.latency.p99Ms)} ms p99.`,
    );
  }
  if (bareAdded?.latency && bareAdded.latency.p99Ms > TARGETS.addedP99Ms) {
    out.push(
      `Even the bare proxy adds ${f2(bareAdded.latency.p99Ms)} ms at p99 here, more than the ${TARGETS.addedP99Ms} ms target: ` +
        `at c=1 the p99 of this shared machine is dominated by scheduling noise, so read that check with care.`,
    );
  }
  const latSpread = targets.tollgate?.spread?.latency;
  if (latSpread !== null && latSpread !== undefined && latSpread > 0.3) {
    out.push(`Tollgate's c=1 p99 varied by ${pct(latSpread)} between rounds.`);
  }
  if (tgAdded?.ttfb && bareAdded?.ttfb) {
    out.push(
      `Streaming time to first byte: Tollgate adds ${f2(tgAdded.ttfb.p50Ms)} ms p50 / ${f2(tgAdded.ttfb.p99Ms)} ms p99 ` +
        `(bare: ${f2(bareAdded.ttfb.p50Ms)} / ${f2(bareAdded.ttfb.p99Ms)} ms).`,
    );
  }
  const tgRss = targets.tollgate;
  const bareRss = targets.bare;
  if (tgRss?.rssPeakMb && bareRss?.rssPeakMb) {
    out.push(
      `Memory: Tollgate holds ${f1(tgRss.rssIdleMb)} MB before any load and peaks at ${f1(tgRss.rssPeakMb)} MB ` +
        `(+${f1(tgRss.rssPeakMb - tgRss.rssIdleMb)} MB); the bare proxy ${f1(bareRss.rssIdleMb)} -> ${f1(bareRss.rssPeakMb)} MB.`,
    );
  }
  return out;
}
