/**
 * `npm run eval:guard`: replays the labelled corpus with the default guard settings and scores it.
 *
 *   --gateway      also replay through a real gateway + mock provider (mode b); default is mode (a),
 *                  straight through guardBefore/guardAfter
 *   --regenerate   rewrite eval/guard/corpus.jsonl from the simulator first
 *   --quiet        print the summary only
 *
 * Writes eval/guard/results.json and results.md (mode a; mode b adds results-gateway.*), and exits
 * non-zero when a target is missed.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultGuardConfig } from '../../src/guard/index.js';
import { parseCorpus, type CorpusRun } from './corpus.js';
import type { RunOutcome } from './replay.js';
import { replayDirect } from './replay-direct.js';
import { startGatewayReplay } from './replay-gateway.js';
import { callUsages, markdown, scoreRun, summarise, type RunResult, type Summary } from './report.js';
import { corpusText, generateCorpus } from './simulate.js';

const DIR = resolve('eval/guard');
const CORPUS = `${DIR}/corpus.jsonl`;

function loadCorpus(regenerate: boolean): CorpusRun[] {
  if (regenerate || !existsSync(CORPUS)) {
    const runs = generateCorpus();
    writeFileSync(CORPUS, corpusText(runs));
    console.log(`corpus: wrote ${runs.length} runs to eval/guard/corpus.jsonl`);
  }
  const runs = parseCorpus(readFileSync(CORPUS, 'utf8'));
  if (corpusText(generateCorpus()) !== readFileSync(CORPUS, 'utf8')) {
    console.log('corpus: the committed corpus differs from what the simulator generates now (run with --regenerate to refresh it)');
  }
  return runs;
}

function printRun(r: RunResult): void {
  const stop = r.stoppedAt === null ? 'never stopped' : `stopped at ${r.stoppedAt}${r.delay !== null ? ` (+${r.delay})` : ''}`;
  const onset = r.onset === null ? 'healthy' : `onset ${r.onset}`;
  const saved = r.savedAfterOnset === null ? '' : `, ${(r.savedAfterOnset * 100).toFixed(1)}% of cost after onset saved`;
  const after = r.onset === null ? '' : `, after onset ${r.tokensAfterOnset} tokens $${r.costAfterOnsetUsd.toFixed(4)}`;
  console.log(`  ${r.id.padEnd(34)} ${r.label.padEnd(7)} ${String(r.calls).padStart(4)} calls, ${onset}, ${stop}${after}, ${r.tokensSaved} tokens saved${saved}`);
}

function printSummary(s: Summary): void {
  const mark = (b: boolean): string => (b ? 'ok  ' : 'MISS');
  console.log(`\n${s.mode}: ${s.runs} runs (${s.loops} loops, ${s.healthy} healthy)`);
  console.log(`  [${mark(s.targets.noHealthyStopped)}] healthy runs stopped: ${s.healthyStopped.length}${s.healthyStopped.length ? ` (${s.healthyStopped.join(', ')})` : ''}; warned: ${s.healthyWarned.length}`);
  console.log(`  [${mark(s.targets.savedAtLeast90)}] loop cost after onset saved: ${(s.loopCostSavedShare * 100).toFixed(1)}% ($${s.loopCostSavedUsd} of $${s.loopCostAfterOnsetUsd})`);
  console.log(`  [${mark(s.targets.medianWithin5)}] median detection delay: ${s.medianDelayCalls ?? 'n/a'} calls after onset (worst ${s.maxDelayCalls ?? 'a missed loop'}); loops stopped ${s.loopsStopped}/${s.loops}`);
  if (s.maxStateBytes !== null) console.log(`        largest run state: ${s.maxStateBytes} bytes of JSON`);
}

async function evaluate(mode: string, runs: CorpusRun[], replay: (run: CorpusRun) => Promise<RunOutcome> | RunOutcome, quiet: boolean): Promise<{ summary: Summary; results: RunResult[] }> {
  const results: RunResult[] = [];
  let maxState: number | null = null;
  for (const run of runs) {
    const outcome = await replay(run);
    if (outcome.maxStateBytes !== null) maxState = Math.max(maxState ?? 0, outcome.maxStateBytes);
    const r = scoreRun(run, outcome, callUsages(run));
    results.push(r);
    if (!quiet) printRun(r);
  }
  const summary = summarise(mode, results, maxState);
  printSummary(summary);
  return { summary, results };
}

function write(name: string, summary: Summary, results: RunResult[]): void {
  writeFileSync(`${DIR}/${name}.json`, JSON.stringify({ summary, runs: results }, null, 2) + '\n');
  writeFileSync(`${DIR}/${name}.md`, markdown(summary, results));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quiet = args.includes('--quiet');
  const runs = loadCorpus(args.includes('--regenerate'));
  const cfg = defaultGuardConfig();
  const started = Date.now();
  const direct = await evaluate('direct (guardBefore/guardAfter, simulated clock)', runs, (run) => replayDirect(run, cfg), quiet);
  console.log(`        replayed ${runs.reduce((n, r) => n + r.calls.length, 0)} calls in ${Date.now() - started} ms`);
  write('results', direct.summary, direct.results);
  let ok = Object.values(direct.summary.targets).every(Boolean);
  if (args.includes('--gateway')) {
    const gw = await startGatewayReplay();
    try {
      const viaGateway = await evaluate('gateway (HTTP through Tollgate and the mock provider)', runs, (run) => gw.replay(run), quiet);
      write('results-gateway', viaGateway.summary, viaGateway.results);
      ok = ok && Object.values(viaGateway.summary.targets).every(Boolean);
    } finally {
      await gw.close();
    }
  }
  console.log(`\nresults written to eval/guard/results${args.includes('--gateway') ? '{,-gateway}' : ''}.{json,md}`);
  if (!ok) process.exitCode = 1;
}

await main();
