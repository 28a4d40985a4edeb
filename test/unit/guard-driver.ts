/** Drives the pure run guard through calls, as the gateway would, on a simulated clock (for guard-*.test.ts). */
import {
  defaultGuardConfig,
  guardAfter,
  guardBefore,
  newRunState,
  type CallEnd,
  type GuardConfig,
  type GuardDecision,
  type RunState,
} from '../../src/guard/index.js';

/** Seeded made-up words, so "new text" is really new. */
export class Words {
  private s: number;
  constructor(seed = 7) {
    this.s = seed;
  }
  private next(): number {
    this.s = (Math.imul(this.s, 1_103_515_245) + 12_345) >>> 0;
    return this.s / 4_294_967_296;
  }
  word(): string {
    const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qu', 'do', 'fe', 'gi', 'ho', 'bu'];
    let w = '';
    const n = 2 + Math.floor(this.next() * 3);
    for (let i = 0; i < n; i++) w += syl[Math.floor(this.next() * syl.length)];
    return w;
  }
  text(n: number): string {
    return Array.from({ length: n }, () => this.word()).join(' ') + '.';
  }
}

export interface CallSpec {
  agent?: string | null;
  parent?: string | null;
  /** The request's messages (default: one user message with `user`). */
  messages?: unknown[];
  user?: string;
  text?: string;
  tool?: { name: string; arguments: string };
  ok?: boolean;
  status?: number | null;
  /** Idle time before the call starts (default 200 ms). */
  gapMs?: number;
  durationMs?: number;
  costNanos?: number;
  promptBytes?: number;
}

export interface CallResult {
  id: string;
  before: GuardDecision;
  after: GuardDecision | null;
}

export class RunDriver {
  state: RunState;
  clock = 1_000_000;
  private n = 0;

  constructor(
    public cfg: GuardConfig = defaultGuardConfig(),
    runId = 'run-1',
  ) {
    this.state = newRunState(runId, this.clock);
  }

  start(spec: CallSpec): { id: string; decision: GuardDecision } {
    const id = `c${this.n++}`;
    this.clock += spec.gapMs ?? 200;
    const messages = spec.messages ?? [{ role: 'user', content: spec.user ?? `question ${id}` }];
    const r = guardBefore(
      this.state,
      { callId: id, at: this.clock, agent: spec.agent ?? null, parent: spec.parent ?? null, model: 'm', messages, system: null, promptBytes: spec.promptBytes ?? JSON.stringify(messages).length },
      this.cfg,
      this.clock,
    );
    this.state = r.state;
    return { id, decision: r.decision };
  }

  end(id: string, spec: CallSpec): GuardDecision {
    this.clock += spec.durationMs ?? 500;
    const ok = spec.ok ?? (spec.status === undefined || spec.status === null);
    const end: CallEnd = {
      callId: id,
      at: this.clock,
      costNanos: spec.costNanos ?? 1_000_000,
      promptTokens: 100,
      outputTokens: 20,
      outputText: spec.text ?? '',
      toolCalls: spec.tool ? [spec.tool] : [],
      ok,
      errorStatus: spec.status ?? null,
    };
    const r = guardAfter(this.state, end, this.cfg);
    this.state = r.state;
    return r.decision;
  }

  /** A whole call: before, then (unless refused) after. */
  call(spec: CallSpec = {}): CallResult {
    const { id, decision } = this.start(spec);
    if (decision.refuse !== null) return { id, before: decision, after: null };
    return { id, before: decision, after: this.end(id, spec) };
  }

  /** Calls until one is refused (or `max`); returns the index of the refused call, or null. */
  until(max: number, spec: (i: number) => CallSpec): number | null {
    for (let i = 0; i < max; i++) if (this.call(spec(i)).before.refuse !== null) return i;
    return null;
  }

  score(detector: string): number {
    return this.state.scores[detector as keyof RunState['scores']] ?? 0;
  }
}

/** A conversation that grows like an agent loop's: each call resends everything so far. */
export class Conversation {
  readonly messages: Record<string, unknown>[];
  private n = 0;

  constructor(task: string) {
    this.messages = [{ role: 'system', content: 'You are an agent.' }, { role: 'user', content: task }];
  }

  /** Adds the previous reply and what came back, and returns the messages to send now. */
  next(previous: { text?: string; tool?: { name: string; arguments: string } } | null, result?: string): unknown[] {
    if (previous) {
      const id = `t${this.n++}`;
      if (previous.tool) {
        this.messages.push({ role: 'assistant', content: previous.text ?? null, tool_calls: [{ id, type: 'function', function: previous.tool }] });
        this.messages.push({ role: 'tool', tool_call_id: id, content: result ?? 'ok' });
      } else {
        this.messages.push({ role: 'assistant', content: previous.text ?? '' });
        if (result !== undefined) this.messages.push({ role: 'user', content: result });
      }
    }
    return this.messages.slice();
  }
}
