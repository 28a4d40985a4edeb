/**
 * The run guard in replay: the same guardBeforeInPlace / guardAfterInPlace as pipeline/guard-run.ts
 * (on run states this step owns, updated in place like the memory run store's), fed the
 * digests the gateway recorded (never the text), with run states in a map that forgets a run after the
 * gateway's idle time (6 h) like its run store, keyed like it by team and run id (ReplayInput.runKey).
 * Calls recorded without the guard's digests cannot be judged; the report counts them.
 */
import { guardAfterInPlace, guardBeforeInPlace, newRunState, type CallEnd, type CallStart, type GuardConfig, type GuardDecision, type RunState } from '../../guard/index.js';
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

export class GuardStep {
  /** By ReplayInput.runKey (team and run id), as the live run store. */
  private readonly runs = new Map<string, { s: RunState; expiresAt: number; calls: number }>();
  readonly stops = new Map<string, GuardStop>();

  /**
   * The call start and end handed to the guard, one of each refilled per call: guardBeforeInPlace and
   * guardAfterInPlace copy what they keep (the digests' sketches, not these objects), and a million
   * calls' two short-lived objects each were a good part of what replay left to the young generation.
   */
  private readonly start: CallStart = { callId: '', at: 0, agent: null, parent: null, model: '', messages: NO_MESSAGES, system: null, promptBytes: 0, scopes: NO_SCOPES, digest: undefined };
  private readonly end: CallEnd = { callId: '', at: 0, costNanos: 0, promptTokens: 0, outputTokens: 0, ok: true, errorStatus: null, outputText: '', toolCalls: NO_TOOLS, digest: undefined };

  constructor(private readonly cfg: GuardConfig) {}

  get enabled(): boolean {
    return this.cfg.enabled;
  }

  private loads = 0;

  private load(x: ReplayInput, now: number): { s: RunState; expiresAt: number; calls: number } {
    // Forget quiet runs now and then, as the run store does, so a long ledger replays in bounded memory.
    if (++this.loads % 65_536 === 0) for (const [id, r] of this.runs) if (r.expiresAt <= now) this.runs.delete(id);
    let e = this.runs.get(x.runKey);
    if (!e || e.expiresAt <= now) {
      e = { s: newRunState(x.runId, now), expiresAt: 0, calls: 0 };
      this.runs.set(x.runKey, e);
    }
    return e;
  }

  private note(x: ReplayInput, e: { calls: number }, d: GuardDecision, at: number): void {
    const stop = this.stops.get(x.runKey);
    if (d.refuse !== null && d.refuse !== 'run_concurrency_exceeded' && stop && stop.callId !== x.row.id) stop.refused++;
    if ((d.action === 'pause' || d.action === 'terminate') && d.refuse !== 'run_concurrency_exceeded' && !stop) {
      this.stops.set(x.runKey, { run: x.runId, team: x.row.team, callId: x.row.id, callIndex: e.calls, at, action: d.action, reason: d.reason, refused: d.refuse !== null ? 1 : 0 });
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
