/**
 * Call ids start with the time (milliseconds, hex) so ledger inserts land at the end of the id index
 * instead of at random places in it: with random ids every batch touched pages all over the B-tree.
 */
import { randomUUID } from 'node:crypto';

export function newCallId(now: number): string {
  const u = randomUUID();
  return `call_${now.toString(16).padStart(12, '0')}${u.slice(0, 8)}${u.slice(9, 13)}${u.slice(14, 18)}`;
}
