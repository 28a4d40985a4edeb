/**
 * Deterministic ids for imported rows: a hash of the source's own identity (a message id and request
 * id, a provider bucket and its group keys), so the same record imported twice gets the same id and the
 * ledger keeps one row (appendCalls ignores an id it already has).
 */
import { createHash } from 'node:crypto';

export function importedId(prefix: string, ...parts: (string | number | boolean | null)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p === null ? '\u0000null' : `\u0000${String(p)}`);
  return `${prefix}_${h.digest('hex').slice(0, 32)}`;
}
