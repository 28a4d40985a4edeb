/**
 * Whether a store's error says the store is away or out of room for now (a lock held by another
 * writer, a full disk, a dropped connection, a server shutting down), not that it refuses what was
 * written. The recorder keeps rows a transient error refused, however long it lasts.
 */
const TRANSIENT_CODES = /^(SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL|NOMEM)|E(CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|PIPE|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH)|08|53|57P0[1-3]|40001|40P01)/;
const TRANSIENT_MESSAGES = /connection|terminated|timeout|timed out|database is locked|disk is full|worker exited/i;

export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.test(code)) return true;
  return err instanceof Error && TRANSIENT_MESSAGES.test(err.message);
}
