/** Writes a scenario's results: the full JSON, and a short markdown summary beside it. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crashLine } from './analysis.mjs';
import { p50Us, p99Us } from './measures.mjs';

export const LABELS = {
  direct: 'direct to the mock',
  bare: 'bare node:http + undici proxy',
  tollgate: 'Tollgate (auth + metering + ledger)',
  portkey: 'Portkey gateway',
};

const ms = (us) => (us === null || us === undefined || Number.isNaN(us) ? '–' : (us / 1000).toFixed(2));
const num = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(d));
const fixed = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '–');
const pair = (a, b) => `${a} / ${b}`;

function cell(t, id, render) {
  if (t.skipped) return 'skipped';
  const s = t.best[id];
  if (!s) return '–';
  if (s.error) return 'failed';
  if (s.errorCount > 0 && !(s.requests > s.errorCount)) return `failed (${s.errorCount} errors)`;
  const text = render(s);
  return s.errorCount > 0 ? `${text} (${s.errorCount} errors)` : text;
}

function targetRow(name, t, added) {
  const a = added[name];
  return [
    LABELS[name] ?? name,
    cell(t, 'rps', (s) => num(s.rps)),
    cell(t, 'rps_stream', (s) => num(s.rps)),
    cell(t, 'latency', (s) => pair(ms(p50Us(s)), ms(p99Us(s)))),
    a?.latency ? pair(fixed(a.latency.p50Ms), fixed(a.latency.p99Ms)) : '–',
    cell(t, 'ttfb', (s) => pair(ms(p50Us(s)), ms(p99Us(s)))),
    a?.ttfb ? pair(fixed(a.ttfb.p50Ms), fixed(a.ttfb.p99Ms)) : '–',
    cell(t, 'rps', (s) => num(s.cpuUsPerRequest, 1)),
    t.skipped || name === 'direct' ? '–' : num(t.rssPeakMb, 1),
  ];
}

/** Other processes' CPU during the measured runs, so a reader can tell a quiet run from a noisy one. */
function machineLoad(targets) {
  const samples = Object.values(targets).flatMap((t) => Object.values(t.samples ?? {}).flat());
  const other = samples.map((x) => x.otherCores).filter((x) => typeof x === 'number');
  const steal = samples.map((x) => x.stealCores).filter((x) => typeof x === 'number');
  if (other.length === 0) return '';
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return (
    `Other processes on the machine used ${mean(other).toFixed(2)} cores on average during the measured runs ` +
    `(max ${Math.max(...other).toFixed(2)}); hypervisor steal ${mean(steal).toFixed(2)} cores on average.`
  );
}

const row = (cells) => `| ${cells.join(' | ')} |`;

export function markdown(result) {
  const { machine: m, settings: s, targets, derived } = result;
  const probe = targets.direct?.probe ?? {};
  const lines = [
    `# Bench: ${result.scenario.name} — ${result.scenario.title}`,
    '',
    `${m.date}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.wrk}. ` +
      `Load average at start: ${m.loadAverageAtStart.join(' ')}. The machine is shared: compare ratios, not absolute numbers.`,
    '',
    `Settings: each target is first warmed up for ${s.initialWarmup} s per request kind at c=${s.connections}; ` +
      `throughput with \`wrk -t${s.threads} -c${s.connections}\`, ${s.warmup} s warm-up + ${s.duration} s measured; ` +
      `latency with \`wrk -t1 -c1 --latency\`, ${s.warmup} s + ${s.latencyDuration} s; ` +
      `time to first byte (TTFB) from a Node client, up to ${s.ttfbN} sequential streamed requests (at most ${s.ttfbSeconds} s) on one keep-alive connection. ` +
      `Request body ${s.requestBytes} B; responses ${probe.plain?.bytes ?? '?'} B (non-streamed) and ${probe.stream?.bytes ?? '?'} B ` +
      `(streamed, ${s.mock.tokens} tokens + usage chunk) from the mock (\`${Object.entries(s.mock).map(([k, v]) => `--${k} ${v}`).join(' ')}\`). ` +
      `${s.rounds} round(s): every measure runs for each target in turn before the next measure, the target order reversed in even rounds; ` +
      `reported is each target's best round (highest req/s; for latency the round with the lowest p99), because noise on a shared machine only lowers throughput and raises latency.`,
    '',
    row(['target', 'req/s c=50', 'req/s c=50 stream', 'p50 / p99 c=1 (ms)', 'added p50 / p99 (ms)', 'TTFB p50 / p99 (ms)', 'added TTFB p50 / p99 (ms)', 'CPU µs/req', 'peak RSS (MB)']),
    row(Array(9).fill('---')),
    ...Object.entries(targets).map(([name, t]) => row(targetRow(name, t, derived.addedLatency))),
    '',
    machineLoad(targets),
    '',
    '"added" is relative to direct; CPU µs/req is the process\'s user+system time over the c=50 non-streaming run divided by its requests (for direct: the mock\'s).',
    '',
    `Ratios: Tollgate / bare ${derived.ratios.tollgate_vs_bare ?? '–'} (non-streaming), ${derived.ratios.tollgate_vs_bare_stream ?? '–'} (streaming); ` +
      `bare / Portkey ${derived.ratios.bare_vs_portkey ?? '–'} (non-streaming), ${derived.ratios.bare_vs_portkey_stream ?? '–'} (streaming).`,
    '',
    row(['check', 'value', 'target', 'result']),
    row(Array(4).fill('---')),
    ...derived.checks.map((c) => row([c.name, c.value === null ? '–' : `${c.value} ${c.unit}`, `${c.target} ${c.unit}`, c.pass === null ? 'not measured' : c.pass ? 'pass' : '**fail**'])),
    '',
    '## Where it falls short and why',
    '',
    derived.findings.join(' '),
  ];
  const notes = [];
  for (const [name, t] of Object.entries(targets)) {
    if (t.skipped) notes.push(`${LABELS[name] ?? name} skipped: ${t.skipped}`);
    if (t.crashed) {
      const at = t.crashed.output.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ')).slice(0, 4).join(' < ');
      notes.push(
        `${LABELS[name] ?? name} died during the run (${t.crashed.how}); the measures after it failed: ` +
          `\`${crashLine(t.crashed) ?? 'no error line'}\` ${at ? `(${at})` : ''}; its full output is in ${result.scenario.name}.json.`,
      );
    }
    for (const [kind, p] of Object.entries(t.probe ?? {})) if (!p.ok) notes.push(`${LABELS[name] ?? name}, ${kind} requests failed the probe: ${p.reason}`);
  }
  if (result.ledger && result.ledger.calls !== null) {
    notes.push(
      `Ledger check: Tollgate recorded ${result.ledger.calls} calls for ${result.ledger.clientResponses} responses its clients completed ` +
        `(more rows than responses are calls cut when a wrk run ended).`,
    );
  }
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

const signed = (x, d = 2) => (x === null || x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(d)}`);

/** Tollgate against itself (budgets, guard-load, routing): one row per variant, ratios to the baseline. */
export function compareMarkdown(result) {
  const { machine: m, settings: s, targets, derived, scenario } = result;
  const rows = derived.rows;
  const base = rows[scenario.baseline];
  const anyRedis = Object.values(rows).some((r) => r?.redis);
  const anyDirect = Object.values(rows).some((r) => r?.addedVsDirect);
  const showUpstream = scenario.analysis === 'routing';
  const header = [
    'target',
    'req/s c=50',
    `× ${base?.label ?? 'baseline'}`,
    'CPU µs/req (best round / lowest)',
    'Δ CPU µs/req',
    'p50 / p99 c=1 (ms)',
    ...(anyDirect ? ['added vs direct p50 / p99 (ms)'] : []),
    'Δ vs baseline p50 / p99 (ms)',
    ...(anyRedis ? ['Redis round trips/call'] : []),
    ...(showUpstream ? ['upstream calls/call'] : []),
    'peak RSS (MB)',
    'error responses',
  ];
  const body = Object.entries(targets).map(([name, t]) => {
    const r = rows[name];
    if (!r) return row([t.label ?? name, 'skipped', ...Array(header.length - 2).fill('–')]);
    const isDirect = t.kind === 'direct';
    return row([
      r.label,
      num(r.rps),
      isDirect ? '–' : (r.vsBaseline ?? '–'),
      `${num(r.cpuUs, 1)} / ${num(r.cpuMinUs, 1)}`,
      isDirect || name === scenario.baseline ? '–' : signed(r.cpuDeltaUs, 1),
      r.p50Ms === null ? '–' : pair(r.p50Ms.toFixed(2), r.p99Ms.toFixed(2)),
      ...(anyDirect ? [r.addedVsDirect && !isDirect ? pair(fixed(r.addedVsDirect.p50Ms), fixed(r.addedVsDirect.p99Ms)) : '–'] : []),
      isDirect || name === scenario.baseline || !r.latDeltaMs ? '–' : pair(signed(r.latDeltaMs.p50Ms), signed(r.latDeltaMs.p99Ms)),
      ...(anyRedis ? [r.redis ? `${num(r.redis.roundTripsPerRequestC50, 2)}` : '–'] : []),
      ...(showUpstream ? [r.upstreamPerRequest === null ? '–' : r.upstreamPerRequest.toFixed(3)] : []),
      isDirect ? '–' : num(r.rssPeakMb, 1),
      String(r.errors),
    ]);
  });
  const varied = s.variedLoad
    ? ` Each request is built by wrk (a Lua \`request()\`): its own \`x-tollgate-run\` out of ${s.variedLoad.runIds.toLocaleString('en')} ids (each wrk thread cycles through them from a random offset) and a new last assistant turn and user turn (a counter and random words), padded to ${s.requestBytes} B; only that new part changes between calls, as in an agent run.`
    : ` Every request is the same ${s.requestBytes} B OpenAI chat completion (non-streaming).`;
  const lines = [
    `# Bench: ${scenario.name} — ${scenario.title}`,
    '',
    `${m.date}, ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.wrk}. ` +
      `Load average at start: ${m.loadAverageAtStart.join(' ')}. The machine is shared: compare ratios within this run, not absolute numbers across runs.` +
      (process.env.BENCH_NOTE ? ` ${process.env.BENCH_NOTE}` : ''),
    '',
    `Settings: every target is a separate Tollgate process (auth, metering, SQLite ledger) on the same mock upstream (\`${Object.entries(s.mock).map(([k, v]) => `--${k} ${v}`).join(' ')}\`), ` +
      `first warmed up for ${s.initialWarmup} s at c=${s.connections}; throughput with \`wrk -t${s.threads} -c${s.connections}\`, ${s.warmup} s warm-up + ${s.duration} s measured; ` +
      `latency with \`wrk -t1 -c1 --latency\`, ${s.warmup} s + ${s.latencyDuration} s. ${s.rounds} round(s), every measure run for each target in turn, the order reversed in even rounds; ` +
      `reported is each target's best round (highest req/s; for latency the round with the lowest p99). "Δ CPU" compares each target's lowest CPU µs/req over the rounds with the baseline's.` +
      varied,
    '',
    row(header),
    row(Array(header.length).fill('---')),
    ...body,
    '',
    machineLoad(targets),
    '',
    `Ratios: ${Object.entries(derived.ratios).map(([k, v]) => `${k.replace(/_/g, ' ')} ${v ?? '–'}`).join('; ')}.`,
    '',
    row(['check', 'value', 'target', 'result']),
    row(Array(4).fill('---')),
    ...derived.checks.map((c) =>
      row([
        c.name,
        c.value === null || c.value === undefined ? '–' : `${c.value}${c.unit ? ` ${c.unit}` : ''}`,
        c.target ? `${c.target}${c.unit ? ` ${c.unit}` : ''}` : '– (reported)',
        c.pass === null ? (c.target ? `not measured${c.why ? `: ${c.why}` : ''}` : 'info') : c.pass ? 'pass' : '**fail**',
      ]),
    ),
    '',
    '## Where it falls short and why',
    '',
    derived.findings.join(' '),
  ];
  const notes = [...(scenario.notes ?? [])];
  for (const [name, t] of Object.entries(targets)) {
    if (t.crashed) notes.push(`${t.label ?? name} died during the run (${t.crashed.how}): \`${crashLine(t.crashed) ?? 'no error line'}\`; its output is in ${scenario.name}.json.`);
    if (t.ledger && t.ledger.calls !== null) notes.push(`Ledger check, ${t.label ?? name}: ${t.ledger.calls} calls recorded for ${t.ledger.clientResponses} responses its clients completed.`);
    if (t.redis?.cleanup) notes.push(`Redis keys of ${t.label ?? name} (random prefix) deleted after the run: ${t.redis.cleanup.deleted ?? 0}${t.redis.cleanup.left ? `, ${t.redis.cleanup.left} left` : ''}${t.redis.cleanup.error ? ` (error: ${t.redis.cleanup.error})` : ''}.`);
  }
  if (notes.length) lines.push('', '## Notes', '', ...notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

export async function writeResults(dir, result) {
  await mkdir(dir, { recursive: true });
  const name = result.scenario.name;
  await writeFile(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  await writeFile(join(dir, `${name}.md`), result.scenario.analysis === 'core' ? markdown(result) : compareMarkdown(result));
  return [join('bench/results', `${name}.json`), join('bench/results', `${name}.md`)];
}
