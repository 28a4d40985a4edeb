/**
 * Worker thread owning the SQLite connection. Messages are {id, method, args}; replies {id, result} or
 * {id, error}. Methods are exactly SqliteDatabase's public ones.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CallScan } from '../types.js';
import { SqliteDatabase } from './database.js';
import { ScanAhead } from './scan-ahead.js';
import type { CallBatch } from './call-batch.js';

export interface WorkerRequest {
  id: number;
  method: string;
  args: unknown[];
}
export type WorkerReply = { id: number; result: unknown } | { id: number; error: string; code?: string };

/**
 * A page's typed arrays are handed over, not copied (about 1 MB a 2,000-row page: the worker's copy
 * into the message and the gateway thread's copy out of it, and memory the receiving heap counts
 * until collected). Each is a page's own buffer (call-batch.ts makes them per page) and not read here again.
 */
function batchBuffers(b: CallBatch): ArrayBuffer[] {
  return [b.nums.buffer as ArrayBuffer, b.codes.buffer as ArrayBuffer, b.samples.buffer as ArrayBuffer];
}

const data = workerData as { path: string; skipRollups?: boolean; batch?: boolean; readonly?: boolean };
const db = new SqliteDatabase(data.path, { skipRollups: data.skipRollups === true, batch: data.batch === true, readonly: data.readonly === true });
const port = parentPort!;

// An offline reader pages through the ledger: the next page is read while it works on this one.
const ahead = data.batch === true ? new ScanAhead((q) => db.scanCallBatch(q)) : null;

port.on('message', (msg: WorkerRequest) => {
  try {
    const fn = (db as unknown as Record<string, (...a: unknown[]) => unknown>)[msg.method];
    if (typeof fn !== 'function') throw new Error(`unknown store method ${msg.method}`);
    let result: unknown;
    if (ahead && msg.method === 'scanCallBatch') result = ahead.take(msg.args[0] as CallScan);
    else {
      ahead?.drop();
      result = fn.apply(db, msg.args);
    }
    port.postMessage({ id: msg.id, result } satisfies WorkerReply, msg.method === 'scanCallBatch' ? batchBuffers(result as CallBatch) : []);
    if (msg.method === 'close') port.close();
  } catch (err) {
    ahead?.drop();
    const code = (err as { code?: unknown }).code;
    port.postMessage({ id: msg.id, error: (err as Error).message, ...(typeof code === 'string' ? { code } : {}) } satisfies WorkerReply);
  }
  try {
    ahead?.readDue();
  } catch {
    // Read again when asked for, where the error is answered.
    ahead?.drop();
  }
});
