/** Writes a scenario's results: the full JSON, and a short markdown summary beside it. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crashLine } from './analysis.mjs';
import { p50Us, p99Us } from './measures.mjs';

const LABELS = {
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

export async function writeResults(dir, result) {
  await mkdir(dir, { recursive: true });
  const name = result.scenario.name;
  await writeFile(join(dir, `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  await writeFile(join(dir, `${name}.md`), markdown(result));
  return [join('bench/results', `${name}.json`), join('bench/results', `${name}.md`)];
}
