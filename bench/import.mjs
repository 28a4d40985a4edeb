/**
 * Import benchmark: generate realistic Claude Code transcripts (TOLLGATE_BENCH_IMPORT_MB, default 1024 MB)
 * into a temporary directory, import them into a fresh SQLite ledger in a child process, and report
 * seconds and peak RSS against the targets (1 GB in <= 60 s, <= 300 MB). Writes bench/results/import.{json,md}.
 * Run with `npm run bench:import` (builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateTranscripts } from './lib/transcripts.mjs';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const mb = Number(process.env['TOLLGATE_BENCH_IMPORT_MB'] ?? 1024);
const TARGET = { secondsPerGB: 60, maxRssMB: 300 };

const dir = await mkdtemp(join(os.tmpdir(), 'tollgate-bench-import-'));
try {
  const g0 = Date.now();
  const generated = await generateTranscripts(join(dir, 'claude'), mb * 1024 * 1024);
  const generateSeconds = (Date.now() - g0) / 1000;
  console.error(`generated ${(generated.bytes / 2 ** 20).toFixed(0)} MB in ${generated.files} files (${generated.messages} messages) in ${generateSeconds.toFixed(1)} s`);
  const load = os.loadavg();
  const { stdout } = await run(process.execPath, [join(here, 'lib', 'import-child.mjs'), join(dir, 'claude'), join(dir, 'ledger.db')], { maxBuffer: 1 << 24, timeout: 3_600_000 });
  const child = JSON.parse(stdout.trim().split('\n').pop());
  const gb = generated.bytes / 2 ** 30;
  const result = {
    bench: 'import claude-code',
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageAtStart: load.map((x) => Math.round(x * 100) / 100), date: new Date().toISOString() },
    input: { megabytes: Math.round(generated.bytes / 2 ** 20), files: generated.files, messages: generated.messages, lines: child.summary.lines },
    seconds: Math.round(child.seconds * 100) / 100,
    // CPU time of the importing process (both threads): what the wall time would approach on an idle machine.
    cpuSeconds: Math.round(child.cpuSeconds * 100) / 100,
    megabytesPerSecond: Math.round((generated.bytes / 2 ** 20 / child.seconds) * 10) / 10,
    maxRssMB: Math.round(child.maxRssMB),
    rowsInserted: child.summary.inserted,
    extrapolatedSecondsPer1GB: Math.round((child.seconds / gb) * 10) / 10,
    targets: TARGET,
    meetsTargets: child.seconds / gb <= TARGET.secondsPerGB && child.maxRssMB <= TARGET.maxRssMB,
    summary: child.summary,
  };
  if (result.rowsInserted !== generated.messages) throw new Error(`imported ${result.rowsInserted} calls, generated ${generated.messages}`);
  const md = [
    '# Import benchmark (Claude Code transcripts)',
    '',
    `Machine: ${result.machine.cpu}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, load at start ${result.machine.loadAverageAtStart.join(' / ')} (shared machine: timings are pessimistic). ${result.machine.date}.`,
    '',
    '| input | files | API calls | seconds | CPU seconds | MB/s | peak RSS | s per GB (extrapolated) | targets |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${result.input.megabytes} MB | ${result.input.files} | ${result.rowsInserted} | ${result.seconds} | ${result.cpuSeconds} | ${result.megabytesPerSecond} | ${result.maxRssMB} MB | ${result.extrapolatedSecondsPer1GB} | 1 GB <= ${TARGET.secondsPerGB} s, <= ${TARGET.maxRssMB} MB: ${result.meetsTargets ? 'met' : 'not met'} |`,
    '',
    `Size: TOLLGATE_BENCH_IMPORT_MB=${mb}. Generation (not timed above) took ${generateSeconds.toFixed(1)} s. Peak RSS is the importing process's (SQLite worker included). CPU seconds: user + system time of that process (main thread and SQLite worker); on a loaded machine it is the better guide to what an idle one would take.`,
    '',
  ].join('\n');
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(join(here, 'results', 'import.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(here, 'results', 'import.md'), md);
  console.log(md);
} finally {
  await rm(dir, { recursive: true, force: true });
}
