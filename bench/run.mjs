/**
 * `npm run bench`: Tollgate against the mock directly, a bare Node pass-through and Portkey's gateway,
 * one target at a time, on one mock, in one run. Writes bench/results/<scenario>.{json,md}.
 * Settings come from BENCH_* environment variables (see bench/README.md).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { derive } from './lib/analysis.mjs';
import { initClockTicks, onExit, rssMb, runCommand } from './lib/children.mjs';
import { probe } from './lib/client.mjs';
import { compare } from './lib/compare.mjs';
import { describeMachine } from './lib/machine.mjs';
import { best, measures, p50Us, p99Us, spread, warmUp } from './lib/measures.mjs';
import { cleanRedis, mockObserver, randomPrefix, redisCheck, redisObserver } from './lib/observe.mjs';
import { LABELS, writeResults } from './lib/report.mjs';
import { mergeConfig, startBare, startMock, startTollgate } from './lib/targets.mjs';
import { ensureWrk, writeScript } from './lib/wrk.mjs';
import { installPortkey, startPortkey } from './peers/portkey.mjs';
import { GUARD_MICRO, scenarios } from './scenarios.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

function settingsFromEnv(env) {
  const int = (name, dflt) => {
    const v = Number(env[name]);
    return Number.isFinite(v) && v > 0 ? Math.floor(v) : dflt;
  };
  const list = (name) => (env[name] ? env[name].split(',').map((x) => x.trim()).filter(Boolean) : null);
  return {
    duration: int('BENCH_DURATION', 5),
    latencyDuration: int('BENCH_LATENCY_DURATION', 3),
    warmup: int('BENCH_WARMUP', 1),
    initialWarmup: int('BENCH_INITIAL_WARMUP', 3),
    rounds: int('BENCH_ROUNDS', 3),
    ttfbN: int('BENCH_TTFB_N', 2000),
    ttfbSeconds: int('BENCH_TTFB_SECONDS', 4),
    connections: int('BENCH_CONNECTIONS', 50),
    threads: int('BENCH_THREADS', 2),
    scenarios: list('BENCH_SCENARIOS'),
    peers: list('BENCH_PEERS'),
    cpuProfile: env.BENCH_CPU_PROF === '1',
    redisUrl: env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379',
  };
}

/** A scenario's peer: a name ('direct', 'tollgate', ...) or a Tollgate variant { name, kind, label, tollgate, redis }. */
function peerSpec(p) {
  return typeof p === 'string' ? { name: p, kind: p, label: LABELS[p] ?? p } : { label: p.name, ...p };
}

class Skipped extends Error {}

/** Redis for a target with `redis: true`: reachable, a random prefix, its keys deleted at the end. */
async function redisFor(settings) {
  const check = await redisCheck(settings.redisUrl);
  if (!check.ok) throw new Skipped(check.reason);
  const redis = { url: settings.redisUrl, prefix: randomPrefix(), pid: check.pid, version: check.version, cleaned: false };
  // Ctrl-C or a crash: delete the keys synchronously on the way out (a no-op once cleaned).
  onExit(() => {
    if (redis.cleaned) return;
    const keys = spawnSync('redis-cli', ['-u', redis.url, '--scan', '--pattern', `{${redis.prefix}}*`], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
    for (let i = 0; i < keys.length; i += 500) spawnSync('redis-cli', ['-u', redis.url, 'unlink', ...keys.slice(i, i + 500)]);
  });
  return redis;
}

async function startTarget(spec, mock, scenario, tmpDir, settings) {
  switch (spec.kind) {
    case 'direct':
      return mock;
    case 'bare':
      return startBare(mock);
    case 'tollgate': {
      const nodeArgs = settings.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', join(BENCH_DIR, 'profiles')] : [];
      let fragment = spec.tollgate ?? scenario.tollgate;
      let redis = null;
      if (spec.redis) {
        redis = await redisFor(settings);
        fragment = mergeConfig(fragment, { limits: { kind: 'redis', url: redis.url, prefix: redis.prefix, fail: 'closed' } });
      }
      const dir = join(tmpDir, spec.name);
      mkdirSync(dir);
      const t = await startTollgate(mock, { tmpDir: dir, model: scenario.model, fragment, nodeArgs, env: spec.env ?? null, cli: spec.cli });
      return { ...t, redis, fragment };
    }
    case 'portkey': {
      const installed = await installPortkey();
      if (!installed.ok) throw new Skipped(installed.reason);
      return startPortkey(mock);
    }
    default:
      throw new Skipped(`unknown peer "${spec.name}"`);
  }
}

/** Start every peer of the scenario; a peer that cannot start is recorded as skipped, not fatal. */
async function startTargets(scenario, mock, tmpDir, settings) {
  const specs = scenario.peers.map(peerSpec).filter((p) => !settings.peers || settings.peers.includes(p.name) || settings.peers.includes(p.kind));
  const targets = {};
  for (const spec of specs) {
    const { name } = spec;
    const t = { name, kind: spec.kind, label: spec.label, skipped: null, samples: {}, best: {}, spread: {}, probe: {}, completed: 0, rssPeakMb: null };
    targets[name] = t;
    try {
      Object.assign(t, await startTarget(spec, mock, scenario, tmpDir, settings));
      t.name = name;
      t.measureRss = spec.kind !== 'direct';
      t.mockPid = mock.proc.pid;
      t.rssIdleMb = t.measureRss ? await rssMb(t.proc.pid) : null;
      t.requests = scenario.requests;
      t.scripts = {};
      if (spec.kind === 'tollgate') {
        t.observers = [mockObserver(mock)];
        if (t.redis) {
          t.observers.push(redisObserver({ ...t.redis, calls: async () => (await t.ledger())?.calls ?? null }));
          if (t.redis.pid) t.extraPids = [t.redis.pid];
        }
      }
      for (const [kind, req] of Object.entries(scenario.requests)) {
        const bodyFile = join(tmpDir, `${kind}.json`);
        await writeFile(bodyFile, req.body);
        t.scripts[kind] = await writeScript(tmpDir, `${name}-${kind}`, { headers: t.headers, bodyFile, varied: req.varied ?? null });
        t.probe[kind] = await probe(t, req);
        t.completed += t.probe[kind].ok ? 1 : 0;
        // A cache rule: the first call fills the cache; a second, identical one should be a hit.
        if (t.probe[kind].ok && t.fragment?.routes?.some((r) => r.cache)) {
          const again = await probe(t, req);
          t.completed += again.ok ? 1 : 0;
          t.probe[kind].cacheAfterFill = again.cache ?? null;
        }
      }
      console.log(`bench: ${name} ready at ${t.url}`);
    } catch (err) {
      t.skipped = err instanceof Skipped ? err.message : `could not start: ${String(err?.message ?? err).slice(0, 500)}`;
      console.log(`bench: ${name} skipped: ${t.skipped}`);
      if (t.proc && t !== mock) await t.proc.stop();
    }
  }
  return targets;
}

/** Each measure runs for every target before the next measure; even rounds reverse the target order. */
async function runRounds(targets, settings, only) {
  const active = Object.values(targets).filter((t) => !t.skipped);
  for (const t of active) {
    console.log(`bench: warming up ${t.name} (${settings.initialWarmup} s per request kind at c=${settings.connections})`);
    await warmUp(t, settings).catch((err) => console.log(`bench: warm-up of ${t.name} failed: ${err.message}`));
  }
  for (let r = 1; r <= settings.rounds; r++) {
    const order = r % 2 === 1 ? active : [...active].reverse();
    for (const m of measures(settings, only)) {
      for (const t of order) {
        let sample;
        if (t.proc.exitInfo) sample = { error: `process exited (${exitText(t.proc.exitInfo)})` };
        else if (!t.probe[m.kind]?.ok) sample = { error: `probe failed: ${t.probe[m.kind]?.reason ?? 'no probe'}` };
        else {
          try {
            sample = await m.run(t);
          } catch (err) {
            sample = { error: String(err?.message ?? err).slice(0, 500) };
          }
        }
        t.completed += sample.requests ?? 0;
        (t.samples[m.id] ??= []).push({ round: r, ...sample });
        console.log(`bench: round ${r}/${settings.rounds} ${m.id.padEnd(10)} ${t.name.padEnd(9)} ${summary(m, sample)}`);
      }
    }
  }
  for (const t of active) {
    for (const m of measures(settings, only)) {
      t.best[m.id] = best(m, t.samples[m.id] ?? []);
      t.spread[m.id] = spread(m, t.samples[m.id] ?? []);
    }
  }
}

const exitText = ({ code, signal }) => (signal ? `signal ${signal}` : `exit code ${code}`);

/** A target process that died during the run: how, and the end of its output (repo paths made relative). */
function crashReport(t) {
  if (!t.proc?.exitInfo) return null;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const output = t.proc.output().split(root).join('').replace(/[^\s(]*\/node_modules\//g, 'node_modules/');
  return { how: exitText(t.proc.exitInfo), output: output.slice(-1500) };
}

function summary(measure, s) {
  if (s.error) return `error: ${s.error.split('\n')[0]}`;
  const errs = s.errorCount ? ` (${s.errorCount} errors)` : '';
  const cpu = s.cpuUsPerRequest ? `, ${s.cpuUsPerRequest.toFixed(1)} µs CPU/req` : '';
  const other = typeof s.otherCores === 'number' ? `, others used ${s.otherCores.toFixed(2)} cores` : '';
  const up = typeof s.upstreamRequests === 'number' && s.requests ? `, ${(s.upstreamRequests / s.requests).toFixed(2)} upstream/req` : '';
  const rt = s.redis?.calls ? `, ${(s.redis.roundTrips / s.redis.calls).toFixed(3)} Redis round trips/call` : '';
  if (measure.better === 'higher') return `${Math.round(s.rps)} req/s${cpu}${up}${rt}${other}${errs}`;
  return `p50 ${(p50Us(s) / 1000).toFixed(3)} ms, p99 ${(p99Us(s) / 1000).toFixed(3)} ms${up}${rt}${other}${errs}`;
}

/** Only what belongs in the results file (no processes, paths or keys). */
function targetView(t) {
  const { name, kind, label, skipped, crashed, probe: pr, best: b, spread: sp, samples, rssIdleMb, rssPeakMb, info, ledgerCheck, guardRuns } = t;
  const redis = t.redis ? { version: t.redis.version, serverCpuVisible: t.redis.pid !== null, cleanup: t.redis.cleanup ?? null } : undefined;
  return { name, kind, label, skipped, crashed, probe: pr, rssIdleMb, rssPeakMb, info, redis, ledger: ledgerCheck, guardRuns, spread: sp, best: b, samples };
}

/** The guard's view of the runs after the load: how many of the most recent 1000 were warned, paused or stopped. */
async function fetchGuardRuns(t) {
  const body = await t.admin('/admin/v1/runs?limit=1000');
  const runs = body.data ?? [];
  const byStatus = {};
  let warned = 0;
  let refused = 0;
  let calls = 0;
  for (const r of runs) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (Number(r.warnings) > 0) warned++;
    refused += r.refused ?? 0;
    calls += r.calls ?? 0;
  }
  return { sampled: runs.length, byStatus, warned, refused, calls };
}

async function runScenario(scenario, settings, machine, tmpRoot) {
  const started = Date.now();
  const tmpDir = join(tmpRoot, scenario.name);
  mkdirSync(tmpDir);
  console.log(`bench: scenario ${scenario.name}: ${scenario.title}`);
  const micro = scenario.micro ? await scenario.micro().catch((err) => ({ error: String(err?.message ?? err) })) : null;
  if (micro) console.log(`bench: in-process measure: ${JSON.stringify(micro)}`);
  const mock = await startMock(scenario.mock);
  const targets = await startTargets(scenario, mock, tmpDir, settings);
  try {
    await runRounds(targets, settings, scenario.measures ?? null);

    await sleep(500); // let the last ledger batch land
    for (const t of Object.values(targets)) {
      if (t.kind !== 'tollgate' || t.skipped || t.proc.exitInfo) continue;
      const row = await t.ledger().catch(() => null);
      t.ledgerCheck = { calls: row?.calls ?? null, clientResponses: t.completed, inputTokens: row?.input_tokens ?? null, outputTokens: row?.output_tokens ?? null };
      if (t.fragment?.guard?.enabled) t.guardRuns = await fetchGuardRuns(t).catch((err) => ({ error: String(err?.message ?? err) }));
    }
    for (const t of Object.values(targets)) t.crashed = crashReport(t);
  } finally {
    for (const t of Object.values(targets)) if (t.proc && t !== mock && !t.skipped) await t.proc.stop();
    await mock.proc.stop();
    for (const t of Object.values(targets)) {
      if (!t.redis) continue;
      t.redis.cleanup = await cleanRedis(t.redis.url, t.redis.prefix).catch((err) => ({ error: String(err?.message ?? err) }));
      t.redis.cleaned = true;
    }
  }

  const views = Object.fromEntries(Object.entries(targets).map(([n, t]) => [n, targetView(t)]));
  const { peers: _p, scenarios: _s, cpuProfile: _c, redisUrl: _r, ...measured } = settings;
  const core = scenario.analysis === 'core' || !scenario.analysis;
  return {
    scenario: { name: scenario.name, title: scenario.title, analysis: scenario.analysis ?? 'core', baseline: scenario.baseline ?? null, tollgate: scenario.tollgate, model: scenario.model, measures: scenario.measures ?? null },
    machine,
    settings: { ...measured, requestBytes: Buffer.byteLength(scenario.requests.plain.body), mock: scenario.mock, variedLoad: scenario.requests.plain.varied ? { runIds: scenario.requests.plain.varied.runIds } : null },
    method:
      'One mock upstream in its own process; targets measured one at a time. Overhead = (through the target) - (direct or the baseline target). ' +
      'Rounds interleave targets per measure; each target reports its best round (highest req/s, or lowest p99 for latency).',
    targets: views,
    micro,
    derived: core ? derive(views) : compare(scenario, views, micro),
    ledger: core ? (views.tollgate?.ledger ?? null) : null,
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
}

/** The run-guard micro-benchmark, in its own process (it needs --expose-gc to measure heap per run). */
async function runGuardMicro() {
  const started = Date.now();
  console.log('bench: guard micro-benchmark (node --expose-gc bench/guard.mjs)');
  const r = await runCommand(process.execPath, ['--expose-gc', join(BENCH_DIR, 'guard.mjs')], { cwd: join(BENCH_DIR, '..'), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`bench/guard.mjs failed (${r.code}): ${(r.stderr || r.stdout).slice(-800)}`);
  console.log(r.stdout.trim());
  console.log(`\nbench: guard done in ${Math.round((Date.now() - started) / 1000)} s; wrote bench/results/guard.json, bench/results/guard.md`);
}

async function main() {
  const settings = settingsFromEnv(process.env);
  await ensureWrk();
  await initClockTicks();
  const machine = await describeMachine();
  const tmpDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  onExit(() => rmSync(tmpDir, { recursive: true, force: true }));

  const wanted = (name) => !settings.scenarios || settings.scenarios.includes(name);
  const selected = scenarios.filter((s) => wanted(s.name));
  if (selected.length === 0 && !wanted(GUARD_MICRO)) throw new Error(`no scenario matches BENCH_SCENARIOS=${settings.scenarios}`);
  const started = Date.now();
  // First, so that guard-load can set its numbers beside the micro-benchmark's.
  if (wanted(GUARD_MICRO)) await runGuardMicro();
  for (const scenario of selected) {
    const result = await runScenario(scenario, settings, machine, tmpDir);
    const files = await writeResults(join(BENCH_DIR, 'results'), result);
    console.log(`\nbench: ${scenario.name} done in ${result.durationSeconds} s; wrote ${files.join(', ')}`);
    for (const c of result.derived.checks) console.log(`  check: ${c.name}: ${c.value ?? '–'} ${c.unit} (target ${c.target ?? '–'}) ${c.pass === null ? (c.target ? 'not measured' : 'info') : c.pass ? 'pass' : 'FAIL'}`);
    for (const f of result.derived.findings) console.log(`  ${f}`);
  }
  console.log(`\nbench: all done in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
