/**
 * Counter operations issued by concurrent calls, sent to Redis together: while one batch is on its
 * way, the operations issued meanwhile queue up and leave as the next batch, in one script call (one
 * command to encode and parse in the gateway, one script run in Redis). A call still waits for exactly
 * one round trip per operation; under load many calls share it. Each operation keeps its own reply or
 * error.
 */

export type OpName = 'acquire' | 'commit' | 'release' | 'renew' | 'read' | 'add' | 'seed' | 'addIfSeeded';

interface QueuedOp {
  name: OpName;
  keys: string[];
  args: string[];
  resolve: (reply: unknown) => void;
  reject: (err: unknown) => void;
}

export interface OpBatchOptions {
  /** Send one batch: KEYS and ARGV as batchLua (scripts.ts) takes them (each operation's name, key count and arguments); resolves one reply per operation. */
  send: (keys: string[], args: string[]) => Promise<unknown>;
  /** The error an operation rejects with, from what the client or the script reported. */
  classify: (err: unknown) => unknown;
  /**
   * True when a batch's failure (classified) says the store cannot serve now (timeout, connection
   * lost): the operations queued behind it fail with it instead of waiting another timeout. They were
   * never sent, so failing them changes nothing in Redis.
   */
  failsQueue: (err: unknown) => boolean;
  /** Operations per batch at most (bounds one script's run time). */
  maxOps?: number;
}

export class OpBatch {
  private queue: QueuedOp[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxOps: number;

  constructor(private readonly o: OpBatchOptions) {
    this.maxOps = o.maxOps ?? 256;
  }

  run(name: OpName, keys: string[], args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ name, keys, args, resolve, reject });
      // Operations issued in the same tick leave together; behind a batch in flight, they wait for it.
      if (!this.scheduled && this.inFlight === 0) {
        this.scheduled = true;
        process.nextTick(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const ops = this.queue.length <= this.maxOps ? this.queue : this.queue.slice(0, this.maxOps);
      this.queue = ops === this.queue ? [] : this.queue.slice(this.maxOps);
      this.inFlight++;
      void this.send(ops).finally(() => {
        if (--this.inFlight === 0 && this.queue.length > 0) this.flush();
      });
    }
  };

  private async send(ops: QueuedOp[]): Promise<void> {
    const keys: string[] = [];
    const args: string[] = [];
    for (const op of ops) {
      for (const k of op.keys) keys.push(k);
      args.push(op.name, String(op.keys.length));
      for (const a of op.args) args.push(a);
    }
    let replies: unknown;
    try {
      replies = await this.o.send(keys, args);
    } catch (raw) {
      const err = this.o.classify(raw);
      for (const op of ops) op.reject(err);
      if (this.o.failsQueue(err)) this.failQueued(err);
      return;
    }
    if (!Array.isArray(replies) || replies.length !== ops.length) {
      const err = new Error(`unexpected Redis reply to a batch of ${ops.length}: ${String(replies)}`);
      for (const op of ops) op.reject(err);
      return;
    }
    for (let i = 0; i < ops.length; i++) {
      const reply: unknown = replies[i];
      if (reply instanceof Error) ops[i]!.reject(this.o.classify(reply));
      else ops[i]!.resolve(reply);
    }
  }

  private failQueued(err: unknown): void {
    const queued = this.queue;
    this.queue = [];
    for (const op of queued) op.reject(err);
  }
}
