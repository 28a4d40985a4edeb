/**
 * Child processes of a bench run: spawned here, tracked, and all killed when the run ends however it
 * ends (normal exit, error, Ctrl-C). Also free ports, readiness probes and RSS sampling.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const alive = new Set();
const exitHooks = [];

/** Kill whatever is still running; safe to call more than once and from an 'exit' handler (sync). */
function killAll() {
  for (const child of alive) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  alive.clear();
  for (const hook of exitHooks.splice(0)) {
    try {
      hook();
    } catch {
      // best effort
    }
  }
}

/** Run `fn` synchronously when the process exits (temp dirs and the like). */
export function onExit(fn) {
  exitHooks.push(fn);
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping children`);
    killAll();
    process.exit(130);
  });
}

/**
 * Spawn a tracked child. Its output is kept (the last few KB) for error messages, never printed.
 * Returns { child, pid, output(), exitInfo (null while it runs), exited (a promise), stop() }.
 */
export function startChild(command, args, opts = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  alive.add(child);
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const proc = { child, pid: child.pid, output: () => tail, exitInfo: null };
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      alive.delete(child);
      proc.exitInfo = { code, signal };
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      alive.delete(child);
      keep(String(err));
      resolve({ code: -1, signal: null });
    });
  });
  const stop = async (graceMs = 5000) => {
    if (!alive.has(child)) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  proc.exited = exited;
  proc.stop = stop;
  return proc;
}

/** Run a command to completion; resolves { code, stdout, stderr }. The child is tracked meanwhile. */
export function runCommand(command, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    alive.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    const done = (code) => {
      clearTimeout(timer);
      alive.delete(child);
      resolve({ code, stdout, stderr });
    };
    child.once('exit', (code) => done(code ?? -1));
    child.once('error', (err) => {
      stderr += String(err);
      done(-1);
    });
  });
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers any HTTP status, the child dies, or `timeoutMs` passes. */
export async function waitForHttp(url, proc, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  void proc.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`process exited before listening:\n${proc.output()}`);
    try {
      const res = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await res.body.dump();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Resident set size of a process in MB (VmRSS), or null if it is gone. */
export async function rssMb(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Sample a process's RSS every `everyMs` until stop() is called; stop() resolves the peak in MB. */
export function sampleRss(pid, everyMs = 100) {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const mb = await rssMb(pid);
      if (mb !== null && mb > peak) peak = mb;
      await sleep(everyMs);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return peak;
  };
}

let ticksPerSecond = 100;
/** Read the kernel's clock-tick rate once (for /proc/<pid>/stat CPU times). */
export async function initClockTicks() {
  const r = await runCommand('getconf', ['CLK_TCK']);
  const n = Number(r.stdout.trim());
  if (r.code === 0 && n > 0) ticksPerSecond = n;
}

export function ticksToUs(ticks) {
  return (ticks / ticksPerSecond) * 1e6;
}

/** User + system CPU time of a process (all its threads) in microseconds, or null if it is gone. */
export async function cpuTimeUs(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ticksToUs(Number(fields[11]) + Number(fields[12]));
  } catch {
    return null;
  }
}
