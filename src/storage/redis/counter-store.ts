/**
 * Counters in Redis, shared by many gateway instances. Every operation runs in a Lua script (or is one
 * command), so it is one round trip and atomic; operations issued by concurrent calls share the
 * script call (op-batch.ts). Lease expiry is judged against the caller's `now`. All keys carry the
 * hash tag `{prefix}`, so a Redis Cluster keeps them in one slot and a script may touch any of them.
 * Layout and trade-offs: README.md beside this file.
 */
import { quitRedis } from './quit.js';
import { Redis, type RedisOptions } from 'ioredis';
import type { AcquireRequest, AcquireResult, CommitItem, CounterState, CounterStore } from '../counter-types.js';
import { OpBatch } from './op-batch.js';
import { batchLua } from './scripts.js';

/** Redis could not be reached or cannot serve now; the caller applies its fail-open/fail-closed policy. */
export class CounterStoreUnavailable extends Error {
  override readonly name = 'CounterStoreUnavailable';
}

export interface RedisCounterStoreOptions {
  url: string;
  /** Hash tag shared by every key; must not contain braces. Default 'tg'. */
  prefix?: string;
  /** Give up a connection attempt after this long. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** Reject a command whose reply has not arrived after this long. Default 1000 ms. */
  commandTimeoutMs?: number;
}

/** Use a client the caller owns; `close()` then leaves the connection open. */
export interface RedisCounterStoreClient {
  client: Redis;
  prefix?: string;
}

// Server replies that mean "cannot serve now" rather than "this request is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|MISCONF|OOM)\b/;

function clientOptions(opts: RedisCounterStoreOptions): RedisOptions {
  return {
    connectTimeout: opts.connectTimeoutMs ?? 1000,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    // A command in flight when the connection drops is rejected, never resent: acquire and commit
    // are not idempotent, and the gateway should decide what an unknown outcome means.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting in the background so the store recovers by itself.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    // No auto-pipelining: the store batches its operations itself (op-batch.ts), one command per
    // batch, and ioredis's pipeline per tick would only add its own bookkeeping to each.
    enableAutoPipelining: false,
  };
}

function int(n: number, what: string): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer, got ${n}`);
  return String(n);
}

/** A call id names its lease fields (`l:<callId>`): one word, as the gateway's ids are. */
function callIdArg(id: string): string {
  if (id === '' || /\s/.test(id)) throw new RangeError(`call id must be non-empty without whitespace, got ${JSON.stringify(id)}`);
  return id;
}

function limitArg(n: number): string {
  return n === Number.POSITIVE_INFINITY ? 'inf' : int(n, 'limit');
}

function ttlMs(ttlSeconds: number): string {
  // PEXPIRE 0 would delete the key inside the very script that wrote it.
  return int(Math.max(1, Math.round(ttlSeconds * 1000)), 'ttlSeconds');
}

/** Scripts return Redis integers and the decimal strings Redis stored; both parse exactly below 2^53. */
function integer(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`unexpected Redis reply value: ${String(v)}`);
  return n;
}

function replyArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply: ${String(reply)}`);
  return reply;
}

/** Pairs of (used, reserved) from position `from` of a reply. */
function states(values: unknown[], from: number): CounterState[] {
  const out = new Array<CounterState>((values.length - from) >> 1);
  for (let i = from, j = 0; i + 1 < values.length; i += 2, j++) out[j] = { used: integer(values[i]), reserved: integer(values[i + 1]) };
  return out;
}

function counterStates(reply: unknown): CounterState[] {
  return states(replyArray(reply), 0);
}

/** An acquire's reply: ok, the index that did not fit, then the states before. */
function acquired(reply: unknown): AcquireResult {
  const values = replyArray(reply);
  const before = states(values, 2);
  return integer(values[0]) === 1 ? { ok: true, before } : { ok: false, index: integer(values[1]), before };
}

export class RedisCounterStore implements CounterStore {
  /** Commands sent on the connection (including a NOSCRIPT fallback), i.e. round trips spent. */
  roundTrips = 0;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly tag: string;
  private readonly batch: OpBatch;
  private readonly send: Redis['sendCommand'];
  private readonly onError = (err: Error): void => {
    this.lastError = err;
  };
  private readonly onReady = (): void => {
    this.lastError = undefined;
  };
  private lastError: Error | undefined;

  constructor(source: RedisCounterStoreOptions | RedisCounterStoreClient) {
    const prefix = source.prefix ?? 'tg';
    if (prefix === '' || /[{}]/.test(prefix)) throw new RangeError(`invalid counter key prefix: ${prefix}`);
    this.tag = `{${prefix}}`;
    if ('client' in source) {
      this.client = source.client;
      this.owned = false;
    } else {
      this.client = new Redis(source.url, clientOptions(source));
      this.owned = true;
      // Queue commands only until the first connection attempt settles; after that a command sent while
      // disconnected must reject at once instead of waiting for a reconnect.
      const stopQueueing = (): void => {
        this.client.options.enableOfflineQueue = false;
      };
      this.client.once('ready', stopQueueing);
      this.client.once('close', stopQueueing);
    }
    // Listening also stops ioredis printing every reconnect failure; the cause surfaces in rejections.
    this.client.on('error', this.onError);
    this.client.on('ready', this.onReady);
    // Counting at the socket rather than per operation also sees the EVAL resent after NOSCRIPT.
    this.send = this.client.sendCommand;
    const send = this.send.bind(this.client);
    this.client.sendCommand = (command, stream) => {
      this.roundTrips++;
      return send(command, stream);
    };
    this.batch = new OpBatch({
      send: this.defineBatchScript(),
      classify: (err) => this.classify(err),
      failsQueue: (err) => err instanceof CounterStoreUnavailable,
    });
  }

  /** Open a connection and wait until Redis answers; rejects with CounterStoreUnavailable otherwise. */
  static async connect(opts: RedisCounterStoreOptions): Promise<RedisCounterStore> {
    const store = new RedisCounterStore(opts);
    try {
      await store.run(() => store.client.ping());
    } catch (err) {
      store.client.disconnect();
      throw err;
    }
    return store;
  }

  isAvailable(): boolean {
    return this.client.status === 'ready';
  }

  // acquire and commit are not async functions: an async function returning the batch's promise would
  // cost two more turns of the microtask queue per call. Invalid arguments still reject, not throw.
  acquire(req: AcquireRequest): Promise<AcquireResult> {
    const n = req.items.length;
    if (n === 0) return Promise.resolve({ ok: true, before: [] });
    const keys = new Array<string>(n);
    const args = new Array<string>(3 + 3 * n);
    try {
      args[0] = callIdArg(req.callId);
      args[1] = int(req.now, 'now');
      args[2] = int(req.leaseMs, 'leaseMs');
      for (let i = 0; i < n; i++) {
        const it = req.items[i]!;
        keys[i] = this.counterKey(it.key);
        args[3 + 3 * i] = limitArg(it.limit);
        args[4 + 3 * i] = int(it.amount, 'amount');
        args[5 + 3 * i] = ttlMs(it.ttlSeconds);
      }
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.batch.run('acquire', keys, args).then(acquired);
  }

  commit(callId: string, items: CommitItem[], now: number): Promise<CounterState[]> {
    const n = items.length;
    if (n === 0) return Promise.resolve([]);
    const keys = new Array<string>(n);
    const args = new Array<string>(2 + 2 * n);
    try {
      args[0] = callIdArg(callId);
      args[1] = int(now, 'now');
      for (let i = 0; i < n; i++) {
        const it = items[i]!;
        keys[i] = this.counterKey(it.key);
        args[2 + 2 * i] = int(it.actual, 'actual');
        args[3 + 2 * i] = ttlMs(it.ttlSeconds);
      }
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.batch.run('commit', keys, args).then(counterStates);
  }

  async release(callId: string, keys: string[], now: number): Promise<void> {
    if (keys.length === 0) return;
    await this.batch.run('release', keys.map((k) => this.counterKey(k)), [callIdArg(callId), int(now, 'now')]);
  }

  async renew(leases: { callId: string; keys: string[] }[], leaseMs: number, now: number): Promise<void> {
    const keys: string[] = [];
    const args = [int(now, 'now'), int(leaseMs, 'leaseMs')];
    for (const { callId, keys: counterKeys } of leases) {
      for (const key of counterKeys) {
        keys.push(this.counterKey(key));
        args.push(callIdArg(callId));
      }
    }
    if (keys.length === 0) return;
    await this.batch.run('renew', keys, args);
  }

  async read(keys: string[], now: number): Promise<CounterState[]> {
    if (keys.length === 0) return [];
    return counterStates(await this.batch.run('read', keys.map((k) => this.counterKey(k)), [int(now, 'now')]));
  }

  async add(key: string, amount: number, ttlSeconds: number, now: number): Promise<void> {
    await this.batch.run('add', [this.counterKey(key)], [int(amount, 'amount'), ttlMs(ttlSeconds), int(now, 'now')]);
  }

  /** The flag lives ttlSeconds of Redis time: de-duplication needs no injected clock. */
  async claim(key: string, ttlSeconds: number, _now: number): Promise<boolean> {
    const ms = ttlMs(ttlSeconds);
    return (await this.run(() => this.client.set(this.flagKey(key), '1', 'PX', ms, 'NX'))) === 'OK';
  }

  /** The seed flag is claim()'s flag `seed:<key>`, so counters seeded by older gateways stay seeded. */
  async seed(key: string, amount: number, ttlSeconds: number, now: number): Promise<boolean> {
    const reply = await this.batch.run('seed', [this.counterKey(key), this.flagKey(`seed:${key}`)], [int(amount, 'amount'), ttlMs(ttlSeconds), int(now, 'now')]);
    return integer(reply) === 1;
  }

  async addIfSeeded(key: string, amount: number, ttlSeconds: number, now: number, spentAt: number): Promise<boolean> {
    const reply = await this.batch.run('addIfSeeded', [this.counterKey(key), this.flagKey(`seed:${key}`)], [int(amount, 'amount'), ttlMs(ttlSeconds), int(now, 'now'), int(spentAt, 'spentAt')]);
    return integer(reply) === 1;
  }

  async seeded(key: string, _now: number): Promise<boolean> {
    return (await this.run(() => this.client.exists(this.flagKey(`seed:${key}`)))) === 1;
  }

  /** Quits a connection this store opened; an injected client is left to its owner. */
  async close(): Promise<void> {
    if (!this.owned) {
      this.client.sendCommand = this.send;
      this.client.off('error', this.onError);
      this.client.off('ready', this.onReady);
      return;
    }
    await quitRedis(this.client);
  }

  private flagKey(key: string): string {
    return `${this.tag}:f:${key}`;
  }

  /** The one hash holding a counter and its leases. */
  private counterKey(key: string): string {
    return `${this.tag}:c:${key}`;
  }

  private defineBatchScript(): (keys: string[], args: string[]) => Promise<unknown> {
    // defineCommand sends EVAL the first time on each socket, then EVALSHA, re-sending on NOSCRIPT.
    const command = 'tollgateCounterBatch';
    this.client.defineCommand(command, { lua: batchLua });
    const fn: unknown = Reflect.get(this.client, command);
    if (typeof fn !== 'function') throw new Error(`ioredis did not define ${command}`);
    return (keys, args) => fn.call(this.client, keys.length, keys, args) as Promise<unknown>;
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): unknown {
    if (!(err instanceof Error)) return err;
    // Any other server reply (a script error, a wrong type) is a bug, not an outage.
    if (err.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(err.message)) return err;
    const last = this.lastError && this.lastError !== err ? ` (last connection error: ${this.lastError.message})` : '';
    return new CounterStoreUnavailable(`Redis counter store unavailable: ${err.message}${last}`, { cause: err });
  }
}
