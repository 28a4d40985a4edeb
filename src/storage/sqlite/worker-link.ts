/** One SQLite worker thread and the calls waiting for its answers (messages {id, method, args}; see worker.ts). */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerReply } from './worker.js';

/** The compiled worker; when running from TypeScript sources (tests), the built copy in dist/. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../../dist/storage/sqlite/worker.js', import.meta.url);
}

export interface WorkerOptions {
  path: string;
  skipRollups?: boolean;
  batch?: boolean;
  /** A connection that only reads (reports), beside the one that writes. */
  readonly?: boolean;
  youngGenerationMb?: number;
}

export class WorkerLink {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Why the worker is gone, once it exited: a message posted to it then would never be answered. */
  gone: Error | null = null;

  constructor(o: WorkerOptions) {
    this.worker = new Worker(workerUrl(), {
      workerData: { path: o.path, skipRollups: o.skipRollups === true, batch: o.batch === true, readonly: o.readonly === true },
      ...(o.youngGenerationMb ? { resourceLimits: { maxYoungGenerationSizeMb: o.youngGenerationMb } } : {}),
    });
    this.worker.on('message', (msg: WorkerReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ('error' in msg) p.reject(Object.assign(new Error(`sqlite: ${msg.error}`), msg.code ? { code: msg.code } : {}));
      else p.resolve(msg.result);
    });
    this.worker.on('error', (err) => {
      this.gone = err;
      this.failAll(err);
    });
    this.worker.on('exit', () => {
      this.gone ??= new Error('sqlite worker exited');
      this.failAll(this.gone);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  call<T>(method: string, args: unknown[]): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  async close(): Promise<void> {
    if (!this.gone) await this.call('close', []);
    await this.worker.terminate();
  }
}
