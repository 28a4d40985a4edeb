/**
 * Stage 7 — record: one ledger row per call. Rows are batched off the request path and handed to the
 * store every `flushMs`; a failed write keeps its rows for the next attempt; close() flushes all, and
 * what the store still refuses then goes to a spill file the next start writes (record-spill.ts).
 */
import type { Logger } from 'pino';
import type { CallRow, Store } from '../storage/types.js';
import { bodyDigest, type CallContext } from './context.js';
import { callFeatures } from './features.js';
import { isTransientStoreError } from '../storage/store-errors.js';
import { readSpilled, removeSpilled, spillRows } from './record-spill.js';

export class Recorder {
  private buffer: CallRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private failures = 0;
  /** Spill files read at start, removed once their rows are in the store. */
  private spilled: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly flushMs: number,
    /** Where rows the store refuses at shutdown are kept for the next start; null: only the log. */
    private readonly spillDir: string | null = null,
  ) {}

  start(): void {
    if (this.spillDir !== null) {
      try {
        const { rows, files } = readSpilled(this.spillDir);
        if (rows.length > 0) this.log.warn({ rows: rows.length, files }, 'writing ledger rows kept from an earlier shutdown');
        this.buffer.push(...rows);
        this.spilled = files;
      } catch (err) {
        this.log.error({ err, dir: this.spillDir }, 'could not read the ledger rows kept from an earlier shutdown; left in place');
      }
    }
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  record(row: CallRow): void {
    this.buffer.push(row);
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Write everything buffered so far; concurrent callers share one write. */
  flush(): Promise<void> {
    if (this.inflight) return this.inflight.then(() => (this.buffer.length ? this.flush() : undefined));
    if (this.buffer.length === 0) return Promise.resolve();
    const rows = this.buffer;
    this.buffer = [];
    // The spill files read at start are all in this first batch: once it is in, they are done.
    const spilled = this.spilled;
    this.spilled = [];
    this.inflight = this.append(rows)
      .then(() => {
        this.failures = 0;
        removeSpilled(spilled);
      })
      .catch(async (err: unknown) => {
        this.log.error({ err, rows: rows.length }, 'ledger write failed; will retry');
        // The store is away (locked, full, unreachable), or this is an early failure: keep them all.
        this.spilled = spilled.concat(this.spilled);
        if (++this.failures < 3 || isTransientStoreError(err)) {
          this.buffer = rows.concat(this.buffer);
          return;
        }
        // The same batch keeps failing with an error that is not the store being away: find the rows it refuses.
        this.buffer = (await this.sortOut(rows)).concat(this.buffer);
        this.failures = 0;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * Write `rows` one by one; the rows to keep trying are returned. A row is given up (kept only in a
   * log line) only when the store takes other rows and refuses it twice, and not for the store being
   * away: a store that comes back while this runs must not turn the rows it refused while away into log lines.
   */
  private async sortOut(rows: CallRow[]): Promise<CallRow[]> {
    let refused: CallRow[] = [];
    let took = 0;
    for (const row of rows) await this.append([row]).then(() => took++, () => refused.push(row));
    if (took === 0) return rows;
    const keep: CallRow[] = [];
    const retried = refused;
    refused = [];
    for (const row of retried) {
      await this.append([row]).catch((e: unknown) => {
        if (isTransientStoreError(e)) keep.push(row);
        else refused.push(row);
      });
    }
    for (const row of refused) this.log.error({ row }, 'ledger row refused by the store; kept in this log line');
    return keep;
  }

  /** The store's write, a synchronous throw (a row it cannot even pack) included as a rejection: the rows stay ours. */
  private append(rows: CallRow[]): Promise<unknown> {
    try {
      return this.store.appendCalls(rows);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // A store away for a moment (a lock, a restarting server) is waited for, up to about 1.5 s in all.
    for (let attempt = 0; attempt < 5 && (this.buffer.length > 0 || this.inflight); attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      await this.flush();
    }
    // The store still refuses them and the process is about to exit: a file for the next start, else the log.
    if (this.buffer.length > 0 && this.spillDir !== null) {
      try {
        const file = spillRows(this.spillDir, this.buffer);
        this.log.error({ rows: this.buffer.length, file }, 'ledger rows not written before shutdown; kept in a file the next start writes');
        removeSpilled(this.spilled);
        this.buffer = [];
      } catch (err) {
        this.log.error({ err }, 'could not keep the unwritten ledger rows in a file');
      }
    }
    for (const row of this.buffer) this.log.error({ row }, 'ledger row not written before shutdown; kept in this log line');
    this.buffer = [];
  }
}

/** Postgres refuses NUL in text; a client must not be able to stall the ledger with one. */
function clean(v: string | null): string | null {
  return v === null || !v.includes('\u0000') ? v : v.replaceAll('\u0000', '');
}

export function toRow(ctx: CallContext, endedAt: number): CallRow | null {
  const a = ctx.attribution;
  if (!a) return null;
  const u = ctx.usage;
  const t = ctx.target;
  const requested = typeof ctx.body['model'] === 'string' ? clean(ctx.body['model'].slice(0, 200)) : null;
  return {
    id: ctx.id,
    startedAt: ctx.startedAt,
    firstByteAt: ctx.firstByteAt,
    endedAt,
    keyId: a.keyId,
    team: a.team,
    user: a.user,
    project: a.project,
    run: clean(a.run),
    agent: clean(a.agent),
    parent: clean(a.parent),
    tags: clean(a.tags),
    endpoint: ctx.endpoint,
    stream: ctx.stream,
    provider: t?.provider.name ?? null,
    requestedModel: requested,
    servedModel: t?.model ?? null,
    inputTokens: u.input,
    cachedInputTokens: u.cachedInput,
    cacheWrite5mTokens: u.cacheWrite5m,
    cacheWrite1hTokens: u.cacheWrite1h,
    outputTokens: u.output,
    reasoningTokens: u.reasoning,
    costNanos: ctx.costNanos,
    estimated: ctx.estimated,
    status: ctx.status,
    httpStatus: ctx.httpStatus,
    errorCode: ctx.errorCode,
    upstreamRequestId: ctx.upstreamRequestId,
    attemptOf: null,
    route: ctx.routeLabel,
    cacheHit: ctx.cacheHit,
    savedNanos: ctx.savedNanos,
    requestHash: requestHash(ctx),
    webSearches: u.webSearches ?? 0,
    serviceTier: clean(ctx.serviceTier),
    features: callFeatures(ctx),
  };
}

/** The body digest's first 128 bits: byte-identical requests share it. */
function requestHash(ctx: CallContext): string | null {
  return ctx.rawBody.length === 0 ? null : bodyDigest(ctx).slice(0, 32);
}
