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

/**
 * Lua for a varied load: every request carries a run id (`x-tollgate-run`, cycling over `runIds` ids,
 * each thread from its own random offset, so that many runs stay live) and a new prompt turn of its own.
 * The body is the template `varied.parts` with two holes: the last assistant turn ("Done step N of
 * run R.") and the next user turn (a counter and random words, then a mock directive asking for a
 * reply of `replyBytes` random words), padded so the body is exactly `varied.bytes` long. Only that
 * new part and the answer differ between calls, as in a healthy agent run.
 */
function variedLua(varied) {
  const [p1, p2, p3] = varied.parts;
  const [open, close] = varied.directive;
  return [
    `local p1, p2, p3, dopen, dclose = ${[p1, p2, p3, open, close].map(luaString).join(', ')}`,
    `local words = { ${varied.words.map(luaString).join(', ')} }`,
    `local nwords, runs, bytes, replyBytes = #words, ${varied.runIds}, ${varied.bytes}, ${varied.replyBytes}`,
    'local fixed = #p1 + #p2 + #p3 + #dopen + #dclose + replyBytes',
    'local nthreads, c = 0, 0',
    // setup() runs in the main Lua state once per thread before the thread's init().
    'setup = function(thread) thread:set("tid", nthreads); nthreads = nthreads + 1 end',
    'init = function(args)',
    // A different random sequence per thread and per wrk run, so no run sees the same turn twice.
    '  math.randomseed(os.time() * 7919 + (tid or 0) * 104729)',
    '  offset = math.random(0, runs - 1)',
    'end',
    // Random words, cut or padded with dots to exactly n bytes.
    'local function text(prefix, n)',
    '  local t, len = { prefix }, #prefix',
    '  while len < n do local w = words[math.random(nwords)]; t[#t + 1] = w; len = len + #w + 1 end',
    '  local s = table.concat(t, " ")',
    '  if #s >= n then return s:sub(1, n) end',
    '  return s .. string.rep(".", n - #s)',
    'end',
    'request = function()',
    '  c = c + 1',
    '  local r = (offset + c) % runs',
    '  local a = "Done step " .. c .. " of run " .. r .. "."',
    '  local u = text("Request " .. c .. " of thread " .. (tid or 0) .. ":", bytes - fixed - #a)',
    '  local reply = text("Step " .. c .. ":", replyBytes)',
    '  wrk.headers["x-tollgate-run"] = "bench-run-" .. r',
    '  return wrk.format(nil, nil, nil, p1 .. a .. p2 .. u .. dopen .. reply .. dclose .. p3)',
    'end',
  ];
}

/**
 * Write the Lua script for one (target, request) pair; returns its path. With `varied`, every
 * request is built by variedLua() instead of sending the body file as is.
 */
export async function writeScript(dir, name, { headers, bodyFile, varied = null }) {
  const lines = [
    'wrk.method = "POST"',
    ...(varied
      ? variedLua(varied)
      : [`local f = assert(io.open(${luaString(bodyFile)}, "rb"))`, 'wrk.body = f:read("*a")', 'f:close()']),
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
