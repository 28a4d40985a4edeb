/**
 * Run states shared by every instance: one JSON string per run under the same hash tag as the
 * counters, a version for compare-and-set (one Lua round trip), and sorted sets of recently active
 * runs for listing (all runs, and each team's). State expires with its TTL when the run goes quiet.
 *
 * A run is its team and id (see RunRef), so the keys name both, the team URI-encoded (no ':'):
 *   {tg}:team-run:<team>:<run id>   hash {v: version, s: state JSON}
 *   {tg}:team-runs                  zset of "<team>:<run id>" by last activity
 *   {tg}:team-runs:<team>           zset of run ids by last activity
 *   {tg}:run-teams                  set of the teams that have had runs (to find a run id's teams)
 * Earlier versions keyed runs by id alone ({tg}:run:<id>, {tg}:runs); those keys are no longer read
 * and expire (the old {tg}:runs set may be deleted by hand).
 */
import { Redis } from 'ioredis';
import { quitRedis } from './quit.js';
import { parseRunKey, runKey, type RecentRun, type RunRef, type RunStore, type StoredRun } from '../run-types.js';

const SAVE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'v', cur + 1, 's', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[6])
if cur == 0 then redis.call('SADD', KEYS[4], ARGV[7]) end
return 1`;

export class RedisRunStore implements RunStore {
  private readonly redis: Redis;
  private readonly tag: string;

  constructor(opts: { url: string; prefix?: string }) {
    this.tag = `{${opts.prefix ?? 'tg'}}`;
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: 1, connectTimeout: 1000, commandTimeout: 1000, lazyConnect: false });
    this.redis.on('error', () => undefined); // surfaced as rejected commands
    this.redis.defineCommand('tgRunSave', { numberOfKeys: 4, lua: SAVE });
  }

  private key(ref: RunRef): string {
    return `${this.tag}:team-run:${runKey(ref)}`;
  }

  private teamRuns(team: string): string {
    return `${this.tag}:team-runs:${encodeURIComponent(team)}`;
  }

  async load(ref: RunRef): Promise<StoredRun | null> {
    const [v, s] = await this.redis.hmget(this.key(ref), 'v', 's');
    return v && s ? { state: JSON.parse(s) as unknown, version: Number(v) } : null;
  }

  async save(ref: RunRef, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean> {
    const json = JSON.stringify(state);
    const cmd = (this.redis as unknown as { tgRunSave: (...a: (string | number)[]) => Promise<number> }).tgRunSave;
    const team = encodeURIComponent(ref.team);
    const keys = [this.key(ref), `${this.tag}:team-runs`, this.teamRuns(ref.team), `${this.tag}:run-teams`];
    const ok = await cmd.call(this.redis, ...keys, json, expected, lastAt, ttlMs, runKey(ref), ref.runId, team);
    return ok === 1;
  }

  async recent(limit: number, team?: string): Promise<RecentRun[]> {
    const list = team === undefined ? `${this.tag}:team-runs` : this.teamRuns(team);
    const members = await this.redis.zrevrange(list, 0, limit * 2);
    const out: RecentRun[] = [];
    const stale: string[] = [];
    for (const member of members) {
      const ref = team === undefined ? parseRunKey(member) : { team, runId: member };
      const s = await this.redis.hget(this.key(ref), 's');
      if (s) out.push({ ...ref, state: JSON.parse(s) as unknown });
      else stale.push(member);
      if (out.length >= limit) break;
    }
    if (stale.length) await this.redis.zrem(list, ...stale);
    return out;
  }

  async teamsOf(runId: string): Promise<string[]> {
    const teams = (await this.redis.smembers(`${this.tag}:run-teams`)).map((t) => decodeURIComponent(t));
    if (teams.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const team of teams) pipe.exists(this.key({ team, runId }));
    const found = (await pipe.exec()) ?? [];
    return teams.filter((_, i) => found[i]?.[1] === 1).sort();
  }

  async close(): Promise<void> {
    await quitRedis(this.redis);
  }
}
