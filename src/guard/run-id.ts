/**
 * One rule for every client-given id Tollgate keeps (run ids, agents, parents, tags): a value of at most
 * MAX_RUN_ID_CHARS characters is kept as sent; a longer one keeps its start and ends with a hash of the
 * whole, so two long ids that share a prefix never merge. Attribution (the ledger's run column, run:*
 * budgets, spend by run) and the run guard (identity.ts, the run state, the admin API) use this same
 * function, so a long run id is one run everywhere. Bounding a bounded id changes nothing.
 */
import { createHash } from 'node:crypto';

export const MAX_RUN_ID_CHARS = 200;

export function boundedId(id: string): string {
  if (id.length <= MAX_RUN_ID_CHARS) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  // Never half a character: a cut between a surrogate pair (an emoji) keeps one code unit less.
  let keep = MAX_RUN_ID_CHARS - 17;
  const last = id.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  return `${id.slice(0, keep)}~${hash}`;
}
