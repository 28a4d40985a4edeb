/**
 * Worker thread owning the SQLite connection. Messages are {id, method, args}; replies {id, result} or
 * {id, error}. Methods are exactly SqliteDatabase's public ones.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteDatabase } from './database.js';

export interface WorkerRequest {
  id: number;
  method: string;
  args: unknown[];
}
export type WorkerReply = { id: number; result: unknown } | { id: number; error: string };

const data = workerData as { path: string; skipRollups?: boolean };
const db = new SqliteDatabase(data.path, { skipRollups: data.skipRollups === true });
const port = parentPort!;

port.on('message', (msg: WorkerRequest) => {
  try {
    const fn = (db as unknown as Record<string, (...a: unknown[]) => unknown>)[msg.method];
    if (typeof fn !== 'function') throw new Error(`unknown store method ${msg.method}`);
    const result = fn.apply(db, msg.args);
    port.postMessage({ id: msg.id, result } satisfies WorkerReply);
    if (msg.method === 'close') port.close();
  } catch (err) {
    port.postMessage({ id: msg.id, error: (err as Error).message } satisfies WorkerReply);
  }
});
