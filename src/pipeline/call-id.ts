/**
 * Call ids start with the time (milliseconds, hex) so ledger inserts land at the end of the id index
 * instead of at random places in it: with random ids every batch touched pages all over the B-tree.
 * The rest is 64 random bits, cut from a buffer refilled from the CSPRNG every 512 ids (one call to
 * the system's generator instead of one UUID per call), and the time prefix is reused within a millisecond.
 */
import { randomFillSync } from 'node:crypto';

const RANDOM_BYTES = 8;
const pool = Buffer.allocUnsafe(RANDOM_BYTES * 512);
let offset = pool.length;
let prefixAt = -1;
let prefix = '';

export function newCallId(now: number): string {
  if (now !== prefixAt) {
    prefixAt = now;
    prefix = `call_${now.toString(16).padStart(12, '0')}`;
  }
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return prefix + pool.toString('hex', offset, (offset += RANDOM_BYTES));
}
