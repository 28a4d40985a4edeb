/**
 * Alert flags that survive a restart. In-process counters forget their set-once flags when the gateway
 * restarts, and the counters, filled again from the ledger, find every threshold already passed
 * "reached" again: so a flag set in process is also set in the ledger's store (meta), and an alert sent
 * before a restart is not sent again in its period, nor by another instance on the same ledger. Not for
 * run budgets (a flag per run would grow the store without bound). Redis keeps its own flags.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../storage/types.js';

/** A gateway's mark on the flags it sets. */
export const newClaimToken = (): string => randomBytes(8).toString('hex');

/** True when the gateway marked `token` is the first to set `key` in the store (or the store cannot say: better an alert twice than none). */
export function claimInStore(store: Pick<Store, 'setMetaIfAbsent'>, key: string, token: string): Promise<boolean> {
  if (key.includes('run:')) return Promise.resolve(true);
  return store.setMetaIfAbsent(`claim:${key}`, token).then(
    (holder) => holder === token,
    () => true,
  );
}
