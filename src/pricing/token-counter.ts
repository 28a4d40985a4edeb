/**
 * Token counts for estimates (a call whose usage never arrived), computed in a worker thread started on
 * demand. Loading the o200k tokenizer costs about 64 MB and 150 ms of blocking: the event loop never
 * pays either, and the worker exits after `idleMs` without work, taking the memory with it. Counts asked
 * for in the same turn of the event loop travel to the worker as one batch.
 */
import { Worker } from 'node:worker_threads';
import type { CountReply, CountRequest } from './token-counter-worker.js';
import { pricingWorkerUrl } from './worker-url.js';

interface Job {
  text: string;
  resolve: (n: number) => void;
  reject: (e: Error) => void;
}

export class TokenCounter {
  private worker: Worker | undefined;
  private queue: Job[] = [];
  private readonly inflight = new Map<number, Job[]>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = 10_000) {}

  /** Whether the worker (and the tokenizer) is loaded right now. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  count(text: string): Promise<number> {
    if (text === '') return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      if (this.queue.push({ text, resolve, reject }) === 1) setImmediate(() => this.send());
    });
  }

  /** Stop the worker now; counts in flight are rejected. The next count starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.drop(w, new Error('token counter closed'));
    await w.terminate();
  }

  private send(): void {
    const jobs = this.queue;
    this.queue = [];
    if (jobs.length === 0) return;
    clearTimeout(this.idleTimer);
    const w = (this.worker ??= this.spawn());
    const id = this.nextId++;
    this.inflight.set(id, jobs);
    // Held open only while counts are owed: an idle counter never keeps the process alive.
    w.ref();
    w.postMessage({ id, texts: jobs.map((j) => j.text) } satisfies CountRequest);
  }

  private spawn(): Worker {
    const w = new Worker(pricingWorkerUrl('token-counter-worker.js'));
    w.on('message', (msg: CountReply) => this.answer(w, msg));
    w.on('error', (err) => this.drop(w, err));
    w.on('exit', (code) => this.drop(w, new Error(`token counter worker exited (code ${code})`)));
    return w;
  }

  private answer(w: Worker, msg: CountReply): void {
    const jobs = this.inflight.get(msg.id);
    if (!jobs) return;
    this.inflight.delete(msg.id);
    jobs.forEach((job, i) => {
      const n = msg.counts[i];
      if (typeof n === 'number') job.resolve(n);
      else job.reject(new Error(`token count failed: ${n ?? 'no answer'}`));
    });
    if (this.inflight.size > 0) return;
    w.unref();
    this.idleTimer = setTimeout(() => {
      if (this.worker === w && this.inflight.size === 0) {
        this.worker = undefined;
        void w.terminate();
      }
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /** The worker failed or exited: fail what it owed, and forget it. */
  private drop(w: Worker, err: Error): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    clearTimeout(this.idleTimer);
    for (const jobs of this.inflight.values()) for (const job of jobs) job.reject(err);
    this.inflight.clear();
  }
}
