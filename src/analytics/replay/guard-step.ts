/**
 * The run guard in replay: the same guardBeforeInPlace / guardAfterInPlace as pipeline/guard-run.ts
 * (on run states this step owns, updated in place like the memory run store's), fed the
 * digests the gateway recorded (never the text), with run states in a map that forgets a run after the
 * gateway's idle time (6 h) like its run store, keyed like it by team and run id.
 * Calls recorded without the guard's digests cannot be judged; the report counts them.
 */
import { guardAfterInPlace, guardBeforeInPlace, newRunState, resetRunState, type CallEnd, type CallSummary, type CallStart, type GuardConfig, type GuardDecision, type RunState } from '../../guard/index.js';
import type { ReplayInput } from './call-input.js';

/** Kept equal to main.ts: a run's state is forgotten after this long without a call. */
const RUN_STATE_TTL_MS = 6 * 3_600_000;

export interface GuardStop {
  run: string;
  /** The team whose run it is (runs are per team). */
  team: string;
  /** The call whose decision stopped the run, its position in the run (1-based) and when. */
  callId: string;
  callIndex: number;
  at: number;
  action: 'pause' | 'terminate';
  reason: string | null;
  /** Calls of the run refused afterwards. */
  refused: number;
}

interface RunEntry {
  /** Null once the run was forgotten (its state went to the spares); a stopped run's entry stays for its stop. */
  s: RunState | null;
  expiresAt: number;
  calls: number;
  /** The run's stop, once the guard stopped it (kept when the run is forgotten, as the report keeps it). */
  stop: GuardStop | null;
}

export class GuardStep {
  /** Team -> run id -> entry (runs are per team, as in the live run store): two lookups, no key string built per call. */
  private readonly runs = new Map<string, Map<string, RunEntry>>();
  /** Entries held in `runs`. */
  private held = 0;
  /** Every stop, in the order the runs were stopped. */
  readonly stops: GuardStop[] = [];

  /** Call summaries of forgotten runs, reused for new calls (CallStart.reuse). */
  private readonly summaries: CallSummary[] = [];

  /**
   * The call start and end handed to the guard, one of each refilled per call: guardBeforeInPlace and
   * guardAfterInPlace copy what they keep (the digests' sketches, not these objects), and a million
   * calls' two short-lived objects each were a good part of what replay left to the young generation.
   */
  private readonly start: CallStart = { callId: '', at: 0, agent: null, parent: null, model: '', messages: NO_MESSAGES, system: null, promptBytes: 0, scopes: NO_SCOPES, digest: undefined, reuse: this.summaries };
  private readonly end: CallEnd = { callId: '', at: 0, costNanos: 0, promptTokens: 0, outputTokens: 0, ok: true, errorStatus: null, outputText: '', toolCalls: NO_TOOLS, digest: undefined };

  constructor(private readonly cfg: GuardConfig) {}

  get enabled(): boolean {
    return this.cfg.enabled;
  }

  private loads = 0;
  /** States of forgotten runs, reused for new runs (see resetRunState). */
  private readonly spare: RunState[] = [];
  /** Sweep after this many loads: as many as runs were held after the last sweep (at least 1,024), O(1) a load. */
  private sweepAt = 1_024;

  private load(x: ReplayInput, now: number): RunEntry & { s: RunState } {
    // Forget quiet runs now and then, as the run store does, so a long ledger replays in bounded memory
    // (and the maps stay small: an expired run reads as a new one whether or not it was swept).
    if (++this.loads >= this.sweepAt) this.sweep(now);
    const team = x.row.team;
    let byRun = this.runs.get(team);
    if (!byRun) this.runs.set(team, (byRun = new Map()));
    let e = byRun.get(x.runId);
    if (!e) {
      e = { s: this.fresh(x.runId, now), expiresAt: 0, calls: 0, stop: null };
      byRun.set(x.runId, e);
      this.held++;
    } else if (e.s === null) {
      e.s = this.fresh(x.runId, now);
      e.expiresAt = 0;
      e.calls = 0;
    } else if (e.expiresAt <= now) {
      // Forgotten, as the run store forgets it: the run starts afresh, in the old state's arrays.
      resetRunState(this.release(e.s), x.runId, now);
      e.expiresAt = 0;
      e.calls = 0;
    }
    return e as RunEntry & { s: RunState };
  }

  private fresh(runId: string, now: number): RunState {
    const spare = this.spare.pop();
    return spare ? resetRunState(spare, runId, now) : newRunState(runId, now);
  }

  /** Forgets the runs quiet for the run store's idle time; a stopped run keeps its entry (without its state) for its stop. */
  private sweep(now: number): void {
    // forEach, not for-of: an entry array per run visited was most of what a sweep allocated.
    this.runs.forEach((byRun, team) => {
      byRun.forEach((e, id) => {
        if (e.s === null || e.expiresAt > now) return;
        if (this.spare.length < MAX_SPARE) this.spare.push(this.release(e.s));
        if (e.stop !== null) e.s = null;
        else {
          byRun.delete(id);
          this.held--;
        }
      });
      if (byRun.size === 0) this.runs.delete(team);
    });
    this.loads = 0;
    this.sweepAt = Math.max(1_024, this.held);
  }

  /** A forgotten run's state, its call summaries handed to the pool new summaries are written into. */
  private release(s: RunState): RunState {
    const pool = this.summaries;
    for (const c of s.recent) if (pool.length < MAX_SPARE_SUMMARIES) pool.push(c);
    s.recent.length = 0;
    return s;
  }

  private note(x: ReplayInput, e: RunEntry, d: GuardDecision, at: number): void {
    const stop = e.stop;
    if (d.refuse !== null && d.refuse !== 'run_concurrency_exceeded' && stop && stop.callId !== x.row.id) stop.refused++;
    if ((d.action === 'pause' || d.action === 'terminate') && d.refuse !== 'run_concurrency_exceeded' && !stop) {
      e.stop = { run: x.runId, team: x.row.team, callId: x.row.id, callIndex: e.calls, at, action: d.action, reason: d.reason, refused: d.refuse !== null ? 1 : 0 };
      this.stops.push(e.stop);
    }
  }

  /** Before the call: the refusal, if any. */
  before(x: ReplayInput, now: number): GuardDecision | null {
    const r = x.row;
    const e = this.load(x, now);
    e.calls++;
    // Scopes only pick cap overrides: without any, the call's scopes need not be built.
    const scopes = this.cfg.cap_overrides.length === 0 ? NO_SCOPES : scopesOf(r);
    const start = this.start;
    start.callId = r.id;
    start.at = now;
    start.agent = r.agent;
    start.parent = r.parent;
    start.model = x.requested;
    start.promptBytes = x.bytes;
    start.scopes = scopes;
    start.digest = x.request ?? undefined;
    const d = guardBeforeInPlace(e.s, start, this.cfg, now);
    e.expiresAt = now + RUN_STATE_TTL_MS;
    this.note(x, e, d, now);
    return d.refuse !== null ? d : null;
  }

  /** After the call ended (or was refused by a later stage): its end, as CallEnd has them (passed one by one: no object a call). */
  after(x: ReplayInput, at: number, costNanos: number, promptTokens: number, outputTokens: number, ok: boolean, errorStatus: number | null): void {
    const e = this.load(x, at);
    const done = this.end;
    done.callId = x.row.id;
    done.at = at;
    done.costNanos = costNanos;
    done.promptTokens = promptTokens;
    done.outputTokens = outputTokens;
    done.ok = ok;
    done.errorStatus = errorStatus;
    // A failed call's output is not read (it has none).
    done.digest = ok ? (x.output ?? NO_OUTPUT) : undefined;
    const d = guardAfterInPlace(e.s, done, this.cfg);
    e.expiresAt = at + RUN_STATE_TTL_MS;
    this.note(x, e, d, at);
  }
}

/** Forgotten runs' states kept for reuse, at most. */
const MAX_SPARE = 4_096;
const MAX_SPARE_SUMMARIES = 65_536;

const NO_SCOPES: readonly string[] = Object.freeze([]);
const NO_TOOLS: never[] = [];
const NO_MESSAGES: never[] = [];

/** The attribution scopes cap overrides match (as pipeline/guard-run.ts builds them). */
function scopesOf(r: ReplayInput['row']): string[] {
  const scopes = [`key:${r.keyId}`, `team:${r.team}`];
  if (r.project) scopes.push(`project:${r.project}`);
  if (r.user) scopes.push(`user:${r.user}`);
  return scopes;
}

/** An answer whose digest was not recorded: judged as empty (the report counts these calls). */
const NO_OUTPUT = { sketch: [0, 0] as [number, number], words: 0, sample: [], affirmation: false, toolKey: null, toolNames: null };
