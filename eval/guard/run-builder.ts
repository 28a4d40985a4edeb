/**
 * Building a simulated run call by call: a clock that moves with model latency and think time, and
 * conversations that grow (each call continues the previous one of the same conversation).
 */
import { toolCallId, type CorpusCall, type CorpusMessage, type CorpusReply, type CorpusRun } from './corpus.js';
import type { Rng } from './rng.js';

export interface CallSpec {
  agent?: string | null;
  parent?: number | null;
  continues?: number | null;
  messages: CorpusMessage[];
  tools?: string[];
  stream?: boolean;
  reply: CorpusReply;
  /** Start this long after the builder's clock (default: a short think time). */
  gapMs?: number;
  /** Start at this absolute offset instead (parallel calls). */
  atMs?: number;
  durationMs?: number;
}

export class RunBuilder {
  readonly calls: CorpusCall[] = [];
  /** When the latest call ended. */
  clock = 0;

  constructor(
    readonly rng: Rng,
    readonly id: string,
  ) {}

  /** Model latency: a base plus time per output token. */
  latency(reply: CorpusReply): number {
    if (reply.status !== undefined) return this.rng.int(80, 400);
    const outTokens = Math.ceil(((reply.text ?? '').length + (reply.tool_call?.arguments.length ?? 0)) / 4);
    return this.rng.int(300, 900) + outTokens * this.rng.int(8, 20);
  }

  add(spec: CallSpec): number {
    const at = spec.atMs ?? this.clock + (spec.gapMs ?? this.rng.int(80, 900));
    const duration = spec.durationMs ?? this.latency(spec.reply);
    const call: CorpusCall = {
      at_ms: at,
      duration_ms: duration,
      agent: spec.agent ?? null,
      parent: spec.parent ?? null,
      continues: spec.continues ?? null,
      messages: spec.messages,
      reply: spec.reply,
    };
    if (spec.tools) call.tools = spec.tools;
    if (spec.stream) call.stream = true;
    this.calls.push(call);
    this.clock = Math.max(this.clock, at + duration);
    return this.calls.length - 1;
  }

  build(kind: string, label: 'loop' | 'healthy', onset: number | null, description: string): CorpusRun {
    return { id: this.id, kind, label, onset, description, calls: this.calls };
  }
}

/**
 * One agent's growing conversation: the first step sends the system prompt and the task, every later
 * step continues the previous one, adding the result of its tool call (if it made one) and any user text.
 */
export class Conversation {
  last: number | null = null;

  constructor(
    readonly b: RunBuilder,
    readonly opts: { agent?: string | null; system: string; task: string; tools?: string[] },
  ) {}

  /** The reply of the last step, if any. */
  get lastReply(): CorpusReply | undefined {
    return this.last === null ? undefined : this.b.calls[this.last]?.reply;
  }

  step(input: {
    reply: CorpusReply;
    toolResult?: string;
    user?: string;
    gapMs?: number;
    parent?: number | null;
    stream?: boolean;
    /** Re-send the previous request as it was (a retry). */
    retry?: boolean;
  }): number {
    const messages: CorpusMessage[] = [];
    let continues = this.last;
    if (input.retry && this.last !== null) {
      const prev = this.b.calls[this.last]!;
      continues = prev.continues;
      messages.push(...prev.messages);
    } else if (this.last === null) {
      messages.push({ role: 'system', content: this.opts.system }, { role: 'user', content: this.opts.task });
      if (input.user !== undefined) messages.push({ role: 'user', content: input.user });
    } else {
      const prev = this.b.calls[this.last]!;
      if (prev.reply.tool_call) messages.push({ role: 'tool', tool_call_id: toolCallId(this.last), content: input.toolResult ?? 'ok' });
      if (input.user !== undefined) messages.push({ role: 'user', content: input.user });
    }
    const spec: CallSpec = { agent: this.opts.agent ?? null, continues, messages, reply: input.reply };
    if (this.opts.tools) spec.tools = this.opts.tools;
    if (input.gapMs !== undefined) spec.gapMs = input.gapMs;
    if (input.parent !== undefined) spec.parent = input.parent;
    if (input.stream) spec.stream = true;
    this.last = this.b.add(spec);
    return this.last;
  }

  /** Start over from the system prompt and the task (a conversation reset). */
  reset(): void {
    this.last = null;
  }
}
