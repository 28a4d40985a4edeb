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
import { derive } from './lib/analysis.mjs';
import { initClockTicks, onExit, rssMb } from './lib/children.mjs';
import { probe } from './lib/client.mjs';
import { describeMachine } from './lib/machine.mjs';
import { best, measures, p50Us, p99Us, spread, warmUp } from './lib/measures.mjs';
import { writeResults } from './lib/report.mjs';
import { startBare, startMock, startTollgate } from './lib/targets.mjs';
import { ensureWrk, writeScript } from './lib/wrk.mjs';
import { installPortkey, startPortkey } from './peers/portkey.mjs';
import { scenarios } from './scenarios.mjs';

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
  };
}

class Skipped extends Error {}

async function startTarget(name, mock, scenario, tmpDir, settings) {
  switch (name) {
    case 'direct':
      return mock;
    case 'bare':
      return startBare(mock);
    case 'tollgate': {
      const nodeArgs = settings.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', join(BENCH_DIR, 'profiles')] : [];
      return startTollgate(mock, { tmpDir, model: scenario.model, fragment: scenario.tollgate, nodeArgs });
    }
    case 'portkey': {
      const installed = await installPortkey();
      if (!installed.ok) throw new Skipped(installed.reason);
      return startPortkey(mock);
    }
    default:
      throw new Skipped(`unknown peer "${name}"`);
  }
}

/** Start every peer of the scenario; a peer that cannot start is recorded as skipped, not fatal. */
async function startTargets(scenario, mock, tmpDir, settings) {
  const names = scenario.peers.filter((p) => !settings.peers || settings.peers.includes(p));
  const targets = {};
  for (const name of names) {
    const t = { name, skipped: null, samples: {}, best: {}, spread: {}, probe: {}, completed: 0, rssPeakMb: null };
    targets[name] = t;
    try {
      Object.assign(t, await startTarget(name, mock, scenario, tmpDir, settings));
      t.measureRss = name !== 'direct';
      t.mockPid = mock.proc.pid;
      t.rssIdleMb = t.measureRss ? await rssMb(t.proc.pid) : null;
      t.requests = scenario.requests;
      t.scripts = {};
      for (const [kind, req] of Object.entries(scenario.requests)) {
        const bodyFile = join(tmpDir, `${kind}.json`);
        await writeFile(bodyFile, req.body);
        t.scripts[kind] = await writeScript(tmpDir, `${name}-${kind}`, { headers: t.headers, bodyFile });
        t.probe[kind] = await probe(t, req);
        t.completed += t.probe[kind].ok ? 1 : 0;
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
async function runRounds(targets, settings) {
  const active = Object.values(targets).filter((t) => !t.skipped);
  for (const t of active) {
    console.log(`bench: warming up ${t.name} (${settings.initialWarmup} s per request kind at c=${settings.connections})`);
    await warmUp(t, settings).catch((err) => console.log(`bench: warm-up of ${t.name} failed: ${err.message}`));
  }
  for (let r = 1; r <= settings.rounds; r++) {
    const order = r % 2 === 1 ? active : [...active].reverse();
    for (const m of measures(settings)) {
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
        console.log(`bench: round ${r}/${settings.rounds} ${m.id.padEnd(10)} ${t.name.padEnd(8)} ${summary(m, sample)}`);
      }
    }
  }
  for (const t of active) {
    for (const m of measures(settings)) {
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
  if (measure.better === 'higher') return `${Math.round(s.rps)} req/s${cpu}${other}${errs}`;
  return `p50 ${(p50Us(s) / 1000).toFixed(3)} ms, p99 ${(p99Us(s) / 1000).toFixed(3)} ms${other}${errs}`;
}

/** Only what belongs in the results file (no processes, paths or keys). */
function targetView(t) {
  const { name, skipped, crashed, probe: pr, best: b, spread: sp, samples, rssIdleMb, rssPeakMb, info } = t;
  return { name, skipped, crashed, probe: pr, rssIdleMb, rssPeakMb, info, spread: sp, best: b, samples };
}

async function runScenario(scenario, settings, machine, tmpRoot) {
  const started = Date.now();
  const tmpDir = join(tmpRoot, scenario.name);
  mkdirSync(tmpDir);
  console.log(`bench: scenario ${scenario.name}: ${scenario.title}`);
  const mock = await startMock(scenario.mock);
  const targets = await startTargets(scenario, mock, tmpDir, settings);
  await runRounds(targets, settings);

  let ledger = null;
  const tg = targets.tollgate;
  if (tg && !tg.skipped) {
    await sleep(500); // let the last ledger batch land
    const row = await tg.ledger().catch(() => null);
    ledger = { calls: row?.calls ?? null, clientResponses: tg.completed, inputTokens: row?.input_tokens ?? null, outputTokens: row?.output_tokens ?? null };
  }
  for (const t of Object.values(targets)) t.crashed = crashReport(t);
  for (const t of Object.values(targets)) if (t.proc && t !== mock && !t.skipped) await t.proc.stop();
  await mock.proc.stop();

  const views = Object.fromEntries(Object.entries(targets).map(([n, t]) => [n, targetView(t)]));
  const { peers: _p, scenarios: _s, cpuProfile: _c, ...measured } = settings;
  return {
    scenario: { name: scenario.name, title: scenario.title, tollgate: scenario.tollgate, model: scenario.model },
    machine,
    settings: { ...measured, requestBytes: Buffer.byteLength(scenario.requests.plain.body), mock: scenario.mock },
    method:
      'One mock upstream in its own process; targets measured one at a time. Overhead = (through the target) - (direct). ' +
      'Rounds interleave targets per measure; each target reports its best round (highest req/s, or lowest p99 for latency).',
    targets: views,
    derived: derive(views),
    ledger,
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
}

async function main() {
  const settings = settingsFromEnv(process.env);
  await ensureWrk();
  await initClockTicks();
  const machine = await describeMachine();
  const tmpDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  onExit(() => rmSync(tmpDir, { recursive: true, force: true }));

  const selected = scenarios.filter((s) => !settings.scenarios || settings.scenarios.includes(s.name));
  if (selected.length === 0) throw new Error(`no scenario matches BENCH_SCENARIOS=${settings.scenarios}`);
  for (const scenario of selected) {
    const result = await runScenario(scenario, settings, machine, tmpDir);
    const files = await writeResults(join(BENCH_DIR, 'results'), result);
    console.log(`\nbench: ${scenario.name} done in ${result.durationSeconds} s; wrote ${files.join(', ')}`);
    for (const f of result.derived.findings) console.log(`  ${f}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
