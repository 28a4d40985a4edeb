/**
 * wrk as the load generator: a generated Lua script POSTs a fixed body with fixed headers, and its
 * done() hook prints one JSON line with the counts and latency percentiles (microseconds).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './children.mjs';

const WRK = '/usr/bin/wrk';

/** Make sure wrk is installed (Debian's package); exits the run with a clear message otherwise. */
export async function ensureWrk() {
  if (existsSync(WRK)) return WRK;
  console.log('bench: wrk not found, trying `apt-get install -y wrk`');
  let r = await runCommand('apt-get', ['install', '-y', 'wrk'], { timeoutMs: 180_000 });
  if (r.code !== 0) {
    await runCommand('apt-get', ['update'], { timeoutMs: 180_000 });
    r = await runCommand('apt-get', ['install', '-y', 'wrk'], { timeoutMs: 180_000 });
  }
  if (!existsSync(WRK)) {
    console.error(`bench: wrk is required (${WRK}). Install it with \`apt-get install wrk\`.\n${r.stderr.slice(-500)}`);
    process.exit(2);
  }
  return WRK;
}

export async function wrkVersion() {
  const r = await runCommand(WRK, ['-v']);
  return (r.stdout + r.stderr).split('\n')[0].trim();
}

const luaString = (s) => JSON.stringify(s); // ASCII only: JSON escapes are valid Lua escapes

/** Write the Lua script for one (target, request) pair; returns its path. */
export async function writeScript(dir, name, { headers, bodyFile }) {
  const lines = [
    `local f = assert(io.open(${luaString(bodyFile)}, "rb"))`,
    'wrk.method = "POST"',
    'wrk.body = f:read("*a")',
    'f:close()',
    ...Object.entries(headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
    'done = function(s, latency, requests)',
    '  local e = s.errors',
    '  io.write(string.format(\'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' +
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' +
      '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\\n\',',
    '    s.requests, s.duration, s.bytes, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),',
    '    latency:percentile(99.9), latency.max))',
    'end',
  ];
  const path = join(dir, `${name}.lua`);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

/**
 * One wrk run. Returns { rps, requests, errors, errorCount, latencyUs }: rps counts successful
 * responses, requests all responses, and errorCount adds socket errors, timeouts and HTTP statuses >= 400.
 */
export async function runWrk({ url, script, threads, connections, seconds, latency = false }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script];
  if (latency) args.push('--latency');
  args.push(url);
  const r = await runCommand(WRK, args, { timeoutMs: (seconds + 30) * 1000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (r.code !== 0 || !line) throw new Error(`wrk failed (${r.code}): ${(r.stderr || r.stdout).slice(-500)}`);
  const s = JSON.parse(line.slice('WRKJSON '.length));
  const errorCount = Object.values(s.errors).reduce((a, b) => a + b, 0);
  return {
    rps: (s.requests - s.errors.status) / (s.duration_us / 1e6), // successful responses only
    requests: s.requests,
    bytesPerResponse: s.requests ? Math.round(s.bytes / s.requests) : 0,
    errors: s.errors,
    errorCount,
    latencyUs: s.latency_us,
  };
}
