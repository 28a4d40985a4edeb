/**
 * Checks and findings for the scenarios that compare Tollgate with itself (budgets, guard-load,
 * routing): each variant against the scenario's baseline target, measured side by side in one run.
 * The headline numbers are each target's best round (highest req/s at c=50, lowest p99 at c=1); the
 * CPU per request compared is each target's lowest over the rounds (noise only adds CPU time).
 */
import { readFileSync } from 'node:fs';
import { p50Us, p99Us } from './measures.mjs';

export const COMPARE_TARGETS = {
  budgetsLocalVsOff: 0.95,
  redisVsLocal: 0.7,
  redisRoundTrips: 2,
  routesAddedUs: 20,
  cacheVsProxied: 2,
  recordingVsCallsOnly: 0.95,
};

const round = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
const ratio = (a, b) => (a && b ? round(a / b) : null);
const pct = (x) => `${Math.round(x * 100)}%`;
const f1 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

function clean(samples) {
  return (samples ?? []).filter((s) => !s.error);
}

/** Per-target numbers every comparison uses. */
function rowOf(t, direct) {
  if (!t || t.skipped) return null;
  const rps = t.best.rps && !t.best.rps.error ? t.best.rps : null;
  const lat = t.best.latency && !t.best.latency.error ? t.best.latency : null;
  const rpsSamples = clean(t.samples.rps);
  const cpus = rpsSamples.map((s) => s.cpuUsPerRequest).filter((x) => typeof x === 'number');
  const all = [...rpsSamples, ...clean(t.samples.latency)];
  const requests = sum(all.map((s) => s.requests ?? 0));
  const errors = sum(all.map((s) => s.errorCount ?? 0));
  const statusErrors = sum(all.map((s) => s.errors?.status ?? 0));
  const upstream = all.filter((s) => typeof s.upstreamRequests === 'number');
  const redis = all.filter((s) => s.redis);
  const redisRps = rpsSamples.filter((s) => s.redis);
  const byCommand = {};
  for (const s of redis) for (const [c, n] of Object.entries(s.redis.byCommand)) byCommand[c] = (byCommand[c] ?? 0) + n;
  const redisRequests = sum(redis.map((s) => s.requests ?? 0));
  // Round trips per call the gateway handled (ledger rows), or per completed response when unknown.
  const perCall = (xs) => {
    const known = xs.filter((s) => typeof s.redis.calls === 'number' && s.redis.calls > 0);
    const use = known.length === xs.length ? known : xs;
    const den = sum(use.map((s) => (known.length === xs.length ? s.redis.calls : (s.requests ?? 0))));
    return den > 0 ? round(sum(use.map((s) => s.redis.roundTrips)) / den, 4) : null;
  };
  const redisCpu = redisRps.filter((s) => typeof s.redis.cpuUs === 'number');
  return {
    name: t.name,
    label: t.label ?? t.name,
    rps: rps?.rps ?? null,
    rpsSpread: t.spread?.rps ?? null,
    cpuUs: rps?.cpuUsPerRequest ?? null,
    cpuMinUs: cpus.length ? Math.min(...cpus) : null,
    cpuMaxUs: cpus.length ? Math.max(...cpus) : null,
    p50Ms: lat ? p50Us(lat) / 1000 : null,
    p99Ms: lat ? p99Us(lat) / 1000 : null,
    latSpread: t.spread?.latency ?? null,
    rssPeakMb: t.rssPeakMb ?? null,
    requests,
    errors,
    statusErrors,
    otherCores: rps?.otherCores ?? null,
    upstreamPerRequest: upstream.length ? round(sum(upstream.map((s) => s.upstreamRequests)) / Math.max(1, sum(upstream.map((s) => s.requests ?? 0))), 4) : null,
    redis: redis.length
      ? {
          roundTripsPerRequest: perCall(redis),
          roundTripsPerRequestC50: redisRps.length ? perCall(redisRps) : null,
          roundTripsPerResponse: round(sum(redis.map((s) => s.redis.roundTrips)) / Math.max(1, redisRequests), 4),
          calls: sum(redis.map((s) => s.redis.calls ?? 0)),
          roundTrips: sum(redis.map((s) => s.redis.roundTrips)),
          // The limiter renews the leases of all calls in flight with one EVALSHA about once a second.
          renewalsMax: sum(redis.map((s) => Math.ceil((s.redis.elapsedMs ?? 0) / 1000))),
          byCommandPerRequest: Object.fromEntries(Object.entries(byCommand).map(([c, n]) => [c, round(n / Math.max(1, redis.every((s) => s.redis.calls > 0) ? sum(redis.map((s) => s.redis.calls)) : redisRequests), 4)])),
          foreign: sum(redis.map((s) => s.redis.foreign)),
          serverCpuUsPerRequest: redisCpu.length ? round(Math.min(...redisCpu.map((s) => s.redis.cpuUs / Math.max(1, s.requests))), 1) : null,
        }
      : null,
    vsBaseline: null, // filled in by rowsOf
    addedVsDirect: direct && lat && direct.best.latency && !direct.best.latency.error
      ? { p50Ms: round(p50Us(lat) / 1000 - p50Us(direct.best.latency) / 1000), p99Ms: round(p99Us(lat) / 1000 - p99Us(direct.best.latency) / 1000) }
      : null,
  };
}

function rowsOf(scenario, targets) {
  const direct = targets.direct && !targets.direct.skipped ? targets.direct : null;
  const rows = {};
  for (const [name, t] of Object.entries(targets)) rows[name] = rowOf(t, direct);
  const b = rows[scenario.baseline];
  for (const r of Object.values(rows)) {
    if (!r || !b) continue;
    r.vsBaseline = ratio(r.rps, b.rps);
    r.cpuDeltaUs = r.cpuMinUs !== null && b.cpuMinUs !== null ? round(r.cpuMinUs - b.cpuMinUs, 1) : null;
    r.latDeltaMs = r.p50Ms !== null && b.p50Ms !== null ? { p50Ms: round(r.p50Ms - b.p50Ms), p99Ms: round(r.p99Ms - b.p99Ms) } : null;
  }
  return rows;
}

const check = (name, value, target, pass, unit) => ({ name, value, target, unit, pass: value === null || value === undefined ? null : pass });

/** "a gap of 4% is within this run's noise (spread up to 9%)". */
function noiseNote(gap, ...spreads) {
  const noise = Math.max(...spreads.map((s) => s ?? 0));
  if (!(noise > 0)) return '';
  return ` Round-to-round spread of req/s was up to ${pct(noise)}, so a gap of ${pct(Math.abs(gap))} ${Math.abs(gap) <= noise ? "is within this run's noise" : "is larger than this run's noise"}.`;
}

/** What a CPU delta would cost in throughput if the gateway process were the only bottleneck. */
function cpuNote(name, r, b) {
  if (r.cpuDeltaUs === null || b.cpuMinUs === null) return '';
  const predicted = r.cpuDeltaUs > 0 ? r.cpuDeltaUs / (b.cpuMinUs + r.cpuDeltaUs) : 0;
  return ` ${name} spends ${f1(r.cpuMinUs)} µs of gateway CPU per request against ${f1(b.cpuMinUs)} µs (${r.cpuDeltaUs >= 0 ? '+' : ''}${f1(r.cpuDeltaUs)} µs, lowest round of each); were the gateway's CPU the only bottleneck, that would cost about ${pct(predicted)} of throughput.`;
}

function crashFindings(targets) {
  const out = [];
  for (const [name, t] of Object.entries(targets)) {
    if (t.skipped) out.push(`${t.label ?? name} was not measured: ${t.skipped}`);
    if (t.crashed) out.push(`${t.label ?? name} died during the run (${t.crashed.how}); the numbers after that point are missing.`);
    for (const [kind, p] of Object.entries(t.probe ?? {})) if (!p.ok) out.push(`${t.label ?? name}: the ${kind} probe failed (${p.reason}).`);
  }
  return out;
}

function summaryOfChecks(checks) {
  const failed = checks.filter((c) => c.pass === false);
  const unknown = checks.filter((c) => c.pass === null && c.target);
  const out = [];
  if (failed.length === 0 && unknown.length === 0) out.push('Every target was met in this run.');
  else if (failed.length) out.push(`Missed ${failed.length} of ${checks.filter((c) => c.target).length} targets: ${failed.map((c) => c.name).join('; ')}.`);
  if (unknown.length) out.push(`Not measured: ${unknown.map((c) => `${c.name}${c.why ? ` (${c.why})` : ''}`).join('; ')}.`);
  return out;
}

function budgets(targets, rows) {
  const { off, local, redis } = rows;
  const rLocal = ratio(local?.rps, off?.rps);
  const rRedis = ratio(redis?.rps, local?.rps);
  // Two decimals: the fraction above 2 is the once-a-second lease renewal, not a per-call trip (see findings).
  const rtRaw = redis?.redis?.roundTripsPerRequestC50 ?? redis?.redis?.roundTripsPerRequest ?? null;
  const rt = rtRaw === null ? null : round(rtRaw, 2);
  const checks = [
    check('Budgets on, local counters: throughput vs budgets off', rLocal, `>= ${COMPARE_TARGETS.budgetsLocalVsOff}`, rLocal >= COMPARE_TARGETS.budgetsLocalVsOff, 'x'),
    check('Budgets on, Redis counters: throughput vs local counters', rRedis, `>= ${COMPARE_TARGETS.redisVsLocal}`, rRedis >= COMPARE_TARGETS.redisVsLocal, 'x'),
    check('Redis round trips per call (c=50)', rt, `<= ${COMPARE_TARGETS.redisRoundTrips}`, rt <= COMPARE_TARGETS.redisRoundTrips, 'per call'),
  ];
  if (targets.redis?.skipped) for (const c of checks.slice(1)) c.why = targets.redis.skipped;
  const findings = [...crashFindings(targets), ...summaryOfChecks(checks)];
  if (off && local && rLocal !== null) {
    findings.push(
      `Local budgets: ${Math.round(local.rps)} req/s vs ${Math.round(off.rps)} with budgets off (${rLocal}x).` +
        cpuNote('With three budget counters (key, team, org) reserved and committed per call, Tollgate', local, off) +
        noiseNote(1 - rLocal, local.rpsSpread, off.rpsSpread),
    );
  }
  if (redis && local && rRedis !== null) {
    let s = `Redis counters: ${Math.round(redis.rps)} req/s vs ${Math.round(local.rps)} with local counters (${rRedis}x).`;
    s += cpuNote('The gateway with Redis counters', { ...redis, cpuDeltaUs: redis.cpuMinUs !== null && local.cpuMinUs !== null ? round(redis.cpuMinUs - local.cpuMinUs, 1) : null }, local);
    if (redis.redis?.serverCpuUsPerRequest !== null && redis.redis?.serverCpuUsPerRequest !== undefined) {
      s += ` The Redis server spent another ${f1(redis.redis.serverCpuUsPerRequest)} µs of CPU per call on the same 2 cores (running the acquire and commit scripts).`;
    }
    s += noiseNote(1 - rRedis, redis.rpsSpread, local.rpsSpread);
    findings.push(s);
  }
  if (redis?.redis) {
    const per = Object.entries(redis.redis.byCommandPerRequest)
      .filter(([c]) => c !== 'info')
      .map(([c, n]) => `${c.toUpperCase()} ${f2(n)}`)
      .join(', ');
    findings.push(
      `Redis round trips per call the gateway handled (its ledger rows) over all measured runs: ${redis.redis.roundTripsPerRequest} (${redis.redis.roundTripsPerRequestC50} at c=50; ` +
        `${f2(redis.redis.roundTripsPerResponse)} per response wrk completed, which leaves out the calls cut when wrk stops). ` +
        `Counted are the commands clients sent (EVALSHA/EVAL: the counter script, one per batch of the acquires, commits and lease renewals concurrent calls issue together; SET NX: the once-per-counter seeding claim); ` +
        `not counted are INFO (the bench's own probe) and the commands the scripts run inside Redis. Per call, by command (inside-script commands included): ${per}.` +
        (redis.redis.roundTrips > 2 * redis.redis.calls
          ? ` Above 2 per call: ${redis.redis.roundTrips - 2 * redis.redis.calls} commands over ${redis.redis.calls} calls, against at most ${redis.redis.renewalsMax} lease renewals (one per second of the measured windows) and the seeding claims (one per counter, done in the warm-up).`
          : '') +
        (redis.redis.foreign > 0 ? ` ${redis.redis.foreign} commands Tollgate never sends were counted too: another client used this Redis during the run, so the count is high by about that much.` : ''),
    );
  }
  for (const r of [local, redis]) {
    if (!r?.latDeltaMs) continue;
    const negative = r.latDeltaMs.p50Ms < 0 || r.latDeltaMs.p99Ms < 0;
    findings.push(
      `At c=1, ${r.label} adds ${f2(r.latDeltaMs.p50Ms)} ms p50 / ${f2(r.latDeltaMs.p99Ms)} ms p99 over budgets off${r.addedVsDirect ? ` (${f2(r.addedVsDirect.p50Ms)} / ${f2(r.addedVsDirect.p99Ms)} ms over direct)` : ''}` +
        (negative ? '; a negative difference means the cost is below the c=1 noise of this machine.' : '.'),
    );
  }
  for (const r of [off, local, redis]) if (r && r.statusErrors > 0) findings.push(`${r.label}: ${r.statusErrors} responses with an error status (refused calls?) during the measured runs.`);
  return { ratios: { local_vs_off: rLocal, redis_vs_local: rRedis, redis_vs_off: ratio(redis?.rps, off?.rps) }, checks, findings };
}

function readGuardMicro() {
  try {
    return JSON.parse(readFileSync(new URL('../results/guard.json', import.meta.url), 'utf8'));
  } catch {
    return null;
  }
}

function guard(targets, rows) {
  const off = rows['guard-off'];
  const on = rows['guard-on'];
  const r = ratio(on?.rps, off?.rps);
  const runs = targets['guard-on']?.guardRuns ?? null;
  const stopped = runs && !runs.error ? (runs.byStatus.terminated ?? 0) + (runs.byStatus.paused ?? 0) : null;
  const refusedValue = on ? on.statusErrors + (runs && !runs.error ? runs.refused : 0) : null;
  const checks = [
    check('Run guard on: throughput vs guard off', r, null, null, 'x'),
    check('Healthy load: calls refused by the guard', refusedValue, '= 0', refusedValue === 0 && stopped === 0, ''),
  ];
  const findings = [...crashFindings(targets), ...summaryOfChecks(checks)];
  if (on && off && r !== null) {
    findings.push(
      `Guard on: ${Math.round(on.rps)} req/s vs ${Math.round(off.rps)} with the guard off (${r}x), every call carrying one of 10,000 run ids and a new turn of its own.` +
        cpuNote('With the guard on, Tollgate', on, off) +
        noiseNote(1 - r, on.rpsSpread, off.rpsSpread),
    );
  }
  const micro = readGuardMicro();
  if (micro && on?.cpuDeltaUs !== null && on?.cpuDeltaUs !== undefined) {
    findings.push(
      `The guard micro-benchmark (guard.json, ${micro.settings.prompt_bytes / 1024} KB prompts, ${micro.settings.live_runs} live runs) puts the guard's own work at ${f1(micro.guard_us.p50)} µs p50 per call; ` +
        `here, with 1 KB prompts, the gateway's CPU per call differs by ${f1(on.cpuDeltaUs)} µs, which also counts run identity, header parsing and the run store's locks.`,
    );
  }
  if (runs && !runs.error) {
    const statuses = Object.entries(runs.byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
    findings.push(`After the load, the ${runs.sampled} most recently active runs held ${runs.calls} calls (${statuses}); ${runs.warned} had warnings, ${runs.refused} calls were refused.`);
  }
  const tOn = targets['guard-on'];
  const tOff = targets['guard-off'];
  if (tOn?.rssPeakMb && tOff?.rssPeakMb && runs && !runs.error) {
    const extra = tOn.rssPeakMb - tOff.rssPeakMb;
    findings.push(
      `Memory: peak RSS ${f1(tOn.rssPeakMb)} MB with the guard on against ${f1(tOff.rssPeakMb)} MB off (+${f1(extra)} MB` +
        (extra > 0 ? `, about ${f1((extra * 1024) / 10_000)} KB per live run for 10,000 runs${micro ? `; the micro-benchmark measures ${f1(micro.memory.heap_bytes_per_run / 1024)} KB of heap per run` : ''}` : '') +
        ').',
    );
  }
  if (on?.latDeltaMs) findings.push(`At c=1 the guard adds ${f2(on.latDeltaMs.p50Ms)} ms p50 / ${f2(on.latDeltaMs.p99Ms)} ms p99 over guard off.`);
  return { ratios: { guard_on_vs_off: r }, checks, findings, guardRuns: runs };
}

function routing(targets, rows, micro) {
  const none = rows['no-rules'];
  const rules = rows['rules-50'];
  const cache = rows['cache-hit'];
  const added = rules?.cpuDeltaUs ?? null;
  const probe = targets['cache-hit']?.probe?.plain;
  const upstream = cache?.upstreamPerRequest ?? null;
  // Hits are served when the second identical call says "hit" and (nearly) no measured call reached the mock.
  const wired = probe?.ok ? probe.cacheAfterFill === 'hit' && (upstream === null || upstream < 0.01) : null;
  const rCache = wired ? ratio(cache?.rps, none?.rps) : null;
  const inProcess = micro?.routes?.usPerCall ?? null;
  const checks = [
    check('50 route rules (last matches): added gateway CPU per call', added, `<= ${COMPARE_TARGETS.routesAddedUs}`, added <= COMPARE_TARGETS.routesAddedUs, 'µs'),
    check('50 route rules: rule matching alone, in process (chooseRoute)', round(inProcess, 2), `<= ${COMPARE_TARGETS.routesAddedUs}`, inProcess <= COMPARE_TARGETS.routesAddedUs, 'µs'),
    check('Cache hit throughput vs a proxied call', rCache, `>= ${COMPARE_TARGETS.cacheVsProxied}`, rCache >= COMPARE_TARGETS.cacheVsProxied, 'x'),
  ];
  if (wired === false) checks[2].why = 'cache not wired';
  if (micro?.error) checks[1].why = micro.error.slice(0, 200);
  const findings = [...crashFindings(targets), ...summaryOfChecks(checks)];
  const spreadCpu = (r) => (r && r.cpuMaxUs !== null && r.cpuMinUs !== null ? r.cpuMaxUs - r.cpuMinUs : null);
  const cpuNoise = Math.max(spreadCpu(rules) ?? 0, spreadCpu(none) ?? 0);
  if (rules && none) {
    findings.push(
      `50 rules: ${Math.round(rules.rps)} req/s vs ${Math.round(none.rps)} without rules (${rules.vsBaseline}x); gateway CPU ${f1(rules.cpuMinUs)} vs ${f1(none.cpuMinUs)} µs per call ` +
        `(${added >= 0 ? '+' : ''}${f1(added)} µs; across rounds each target's CPU per call varied by up to ${f1(cpuNoise)} µs, the resolution of this estimate).` +
        (rules.latDeltaMs ? ` At c=1 the rules add ${f2(rules.latDeltaMs.p50Ms)} ms p50 / ${f2(rules.latDeltaMs.p99Ms)} ms p99.` : ''),
    );
  }
  if (inProcess !== null) {
    findings.push(
      `In process, choosing a route through the ${micro.routes.rules} rules takes ${f2(inProcess)} µs per call (lowest of 5 batches: ${micro.routes.usPerCallRounds.join(', ')} µs), ` +
        (cpuNoise > inProcess
          ? `${f1(cpuNoise / Math.max(inProcess, 0.01))}x smaller than the round-to-round variation of the gateway's CPU per call (${f1(cpuNoise)} µs), so the process-level difference cannot resolve it.`
          : `within what the process-level difference can resolve (its round-to-round variation was ${f1(cpuNoise)} µs).`),
    );
  }
  if (wired === false) {
    findings.push(
      `Cache: not measured: cache not wired. The second identical probe was answered with x-tollgate-cache: ${probe.cacheAfterFill ?? '(none)'}, and ${upstream === null ? 'an unknown share' : f2(upstream)} of the measured cached calls reached the mock upstream; a hit should reach it never.`,
    );
  } else if (wired && cache && none) {
    findings.push(
      `Cache hits: ${Math.round(cache.rps)} req/s vs ${Math.round(none.rps)} proxied (${rCache}x); ${f2(upstream ?? 0)} upstream calls per client call; gateway CPU ${f1(cache.cpuMinUs)} vs ${f1(none.cpuMinUs)} µs per call.` +
        (rCache < COMPARE_TARGETS.cacheVsProxied && cache.cpuMinUs && none.cpuMinUs
          ? ` The throughput ratio follows the gateway's CPU per call (${f1(none.cpuMinUs)} / ${f1(cache.cpuMinUs)} µs = ${f2(none.cpuMinUs / cache.cpuMinUs)}x): the gateway process is the bottleneck, ` +
            `and a hit saves only ${pct(1 - cache.cpuMinUs / none.cpuMinUs)} of its per-call CPU (the upstream request and the response parsing), since it still authenticates, parses the body, hashes the cache key, meters and writes a ledger row. ` +
            `${COMPARE_TARGETS.cacheVsProxied}x would need a hit to cost at most about ${f1(none.cpuMinUs / COMPARE_TARGETS.cacheVsProxied)} µs.`
          : ''),
    );
    if (cache.latDeltaMs) findings.push(`At c=1 a hit takes ${f2(-cache.latDeltaMs.p50Ms)} ms less than a proxied call at p50 (p99: ${f2(-cache.latDeltaMs.p99Ms)} ms).`);
  }
  return { ratios: { rules50_vs_none: rules?.vsBaseline ?? null, cache_vs_proxied: rCache }, checks, findings, cache: { wired, upstreamPerRequest: upstream, secondProbe: probe?.cacheAfterFill ?? null } };
}

function recording(targets, rows) {
  const base = rows['calls-only'];
  const on = rows.rollups;
  const r = ratio(on?.rps, base?.rps);
  // The spend report (/admin/v1/spend?group_by=team) reads the rollups: the baseline's must be empty
  // (its fold really was skipped), the shipped one's must hold every call the clients completed.
  const rolled = (name) => targets[name]?.ledger?.calls ?? 0;
  const checks = [
    check('Rollups kept: throughput vs ledger rows alone (c=50)', r, `>= ${COMPARE_TARGETS.recordingVsCallsOnly}`, r >= COMPARE_TARGETS.recordingVsCallsOnly, 'x'),
    check('Calls in the rollups (shipped) >= client responses', rolled('rollups'), `>= ${targets.rollups?.ledger?.clientResponses ?? '?'}`, rolled('rollups') >= (targets.rollups?.ledger?.clientResponses ?? Infinity), 'calls'),
    check('Calls in the rollups (baseline, fold skipped)', rolled('calls-only'), '= 0', rolled('calls-only') === 0, 'calls'),
  ];
  const findings = [...crashFindings(targets), ...summaryOfChecks(checks)];
  if (on && base && r !== null) {
    findings.push(
      `Rollups kept: ${Math.round(on.rps)} req/s vs ${Math.round(base.rps)} with the ledger rows alone (${r}x).` +
        cpuNote('With the rollups kept, Tollgate (its SQLite worker thread included)', on, base) +
        noiseNote(1 - r, on.rpsSpread, base.rpsSpread),
    );
  }
  // The best rounds can favour either target on a busy machine: also each round's pair (the two targets
  // measured back to back), and the median of those ratios and of each target's CPU per request.
  const byRound = (name) => new Map(clean(targets[name]?.samples?.rps).map((s) => [s.round, s]));
  const a = byRound('rollups');
  const b = byRound('calls-only');
  const paired = [...a.keys()].filter((k) => b.has(k)).map((k) => round(a.get(k).rps / b.get(k).rps));
  const med = (xs) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] : null);
  const cpuMed = (m) => med([...m.values()].map((s) => s.cpuUsPerRequest).filter((x) => typeof x === 'number'));
  const pairedMedian = med(paired);
  if (paired.length) {
    findings.push(
      `Round by round (each pair measured back to back), rollups / ledger rows alone: ${paired.join(', ')}; median ${pairedMedian}. ` +
        `Median gateway CPU per request: ${f1(cpuMed(a))} µs with rollups, ${f1(cpuMed(b))} µs without. ` +
        `A change of a few percent is below what this machine resolves while other work takes about a core.`,
    );
  }
  const base2 = rows.base;
  if (base2 && base && base2.rps) {
    findings.push(
      `${base2.label}: ${Math.round(base2.rps)} req/s (${ratio(base2.rps, base.rps)}x the ledger rows alone), ${f1(base2.cpuMinUs)} µs of gateway CPU per request (${base2.cpuDeltaUs >= 0 ? '+' : ''}${f1(base2.cpuDeltaUs)} µs); ` +
        `${rolled('base')} calls in its rollups.`,
    );
  }
  if (on?.latDeltaMs) findings.push(`At c=1 the rollups add ${f2(on.latDeltaMs.p50Ms)} ms p50 / ${f2(on.latDeltaMs.p99Ms)} ms p99 (the ledger is written after the response, in batches).`);
  return { ratios: { rollups_vs_calls_only: r, rollups_vs_calls_only_per_round: paired, rollups_vs_calls_only_median_of_rounds: pairedMedian, base_vs_calls_only: ratio(rows.base?.rps, base?.rps) }, checks, findings };
}

export function compare(scenario, targets, micro = null) {
  const rows = rowsOf(scenario, targets);
  const analyse = { budgets, guard, routing, recording }[scenario.analysis];
  if (!analyse) throw new Error(`unknown analysis "${scenario.analysis}"`);
  return { rows, ...analyse(targets, rows, micro) };
}
