/**
 * What a measured run did besides answering wrk: calls that reached the mock upstream (so a cache
 * hit can be told from a proxied call) and, for Tollgate with Redis counters, the commands Redis ran
 * (round trips per call) and the CPU the Redis server spent. Each observer takes a snapshot before and
 * after a measured run (see measures.mjs) and adds its deltas to the sample.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { cpuTimeUs, runCommand } from './children.mjs';

/** Upstream requests the mock received during a measured run: `upstreamRequests` on the sample. */
export function mockObserver(mock) {
  const count = async () => {
    try {
      const res = await request(`${mock.url}/_mock/stats`, { headersTimeout: 2000, bodyTimeout: 2000 });
      const body = await res.body.json();
      return typeof body.requests === 'number' ? body.requests : null;
    } catch {
      return null;
    }
  };
  return {
    before: count,
    async after(before) {
      const now = await count();
      return { upstreamRequests: before === null || now === null ? null : now - before };
    },
  };
}

const redisCli = (url, ...args) => runCommand('redis-cli', ['-u', url, ...args], { timeoutMs: 10_000 });

/** Whether Redis answers at `url`; { ok, reason, pid }. */
export async function redisCheck(url) {
  const r = await redisCli(url, 'info', 'server');
  if (r.code !== 0 || !/redis_version:/.test(r.stdout)) {
    return { ok: false, reason: `Redis not reachable at ${url} with redis-cli: ${(r.stderr || r.stdout).trim().slice(0, 200) || `exit code ${r.code}`}` };
  }
  const pid = Number(/^process_id:(\d+)/m.exec(r.stdout)?.[1]);
  const version = /^redis_version:(\S+)/m.exec(r.stdout)?.[1] ?? null;
  // The server's CPU is read from /proc only when it is a local process we can see.
  const visible = Number.isInteger(pid) && (await cpuTimeUs(pid)) !== null;
  return { ok: true, reason: null, pid: visible ? pid : null, version };
}

/** A prefix no one else uses, so the run's keys can be found and deleted afterwards. */
export function randomPrefix() {
  return `tgbench-${randomBytes(6).toString('hex')}`;
}

/** `INFO commandstats` as { command: calls }. */
async function commandStats(url) {
  const r = await redisCli(url, 'info', 'commandstats');
  if (r.code !== 0) return null;
  const out = {};
  for (const m of r.stdout.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/**
 * Commands Tollgate's counter scripts (storage/redis/scripts.ts) call inside Lua: Redis counts them
 * in commandstats, but they are not round trips; and INFO, which is the bench's own probe.
 */
export const SCRIPT_INNER = new Set(['del', 'hdel', 'hget', 'hgetall', 'hincrby', 'hmget', 'hset', 'pexpire', 'pttl', 'zadd', 'zcard', 'zrangebyscore', 'zrem', 'zscore']);
/** Round trips Tollgate's Redis stores make: scripts (EVALSHA, EVAL after NOSCRIPT), SET NX (claims), PING, GET (cache, run store). */
export const TOP_LEVEL = new Set(['evalsha', 'eval', 'set', 'ping', 'get', 'zrevrange']);

/**
 * Redis commands and server CPU during a measured run: `redis` on the sample with `roundTrips`
 * (commands sent by clients, i.e. every command but SCRIPT_INNER and INFO), `byCommand`,
 * `foreign` (commands Tollgate never sends: another client was using this Redis meanwhile), `cpuUs`
 * of the server, and `calls`: the calls the gateway handled meanwhile, from its ledger. wrk counts
 * only the responses it completed; the calls cut when it stops (up to one per connection) still
 * acquired and released, so round trips are divided by the ledger's count. Both snapshots first
 * wait `settleMs` for such calls to end and the ledger batch to land.
 */
export function redisObserver({ url, pid, calls, settleMs = 400 }) {
  const ledgerCalls = () => calls().catch(() => null);
  return {
    async before() {
      await sleep(settleMs); // calls cut by the warm-up's end: released, and their ledger rows written
      return { stats: await commandStats(url), at: Date.now(), cpu: pid ? await cpuTimeUs(pid) : null, calls: await ledgerCalls() };
    },
    async after(before) {
      const cpu = pid ? await cpuTimeUs(pid) : null;
      await sleep(settleMs);
      const stats = await commandStats(url);
      const elapsedMs = Date.now() - before.at;
      const handled = await ledgerCalls();
      if (!before.stats || !stats) return { redis: null };
      const byCommand = {};
      for (const [cmd, calls] of Object.entries(stats)) {
        const d = calls - (before.stats[cmd] ?? 0);
        if (d > 0) byCommand[cmd] = d;
      }
      let roundTrips = 0;
      let foreign = 0;
      for (const [cmd, d] of Object.entries(byCommand)) {
        if (cmd === 'info' || SCRIPT_INNER.has(cmd)) continue;
        roundTrips += d;
        if (!TOP_LEVEL.has(cmd)) foreign += d;
      }
      const callsDelta = handled !== null && before.calls !== null ? handled - before.calls : null;
      return { redis: { roundTrips, calls: callsDelta, elapsedMs, byCommand, foreign, cpuUs: cpu !== null && before.cpu !== null ? cpu - before.cpu : null } };
    },
  };
}

/** Delete every key of the run (all of Tollgate's Redis keys start with `{prefix}`); returns how many. */
export async function cleanRedis(url, prefix) {
  const r = await redisCli(url, '--scan', '--pattern', `{${prefix}}*`);
  if (r.code !== 0) return { deleted: 0, error: (r.stderr || r.stdout).trim().slice(0, 200) };
  const keys = r.stdout.split('\n').map((k) => k.trim()).filter(Boolean);
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const d = await redisCli(url, 'unlink', ...keys.slice(i, i + 500));
    deleted += Number(d.stdout.trim()) || 0;
  }
  const left = await redisCli(url, '--scan', '--pattern', `{${prefix}}*`);
  return { deleted, left: left.stdout.split('\n').filter((k) => k.trim()).length };
}
