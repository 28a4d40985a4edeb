/** Stage 1 — authenticate: the virtual key from `Authorization: Bearer` or `x-api-key`. */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.js';
import { keyIdOf, verifyKey } from '../keys/virtual-key.js';
import type { KeyRecord } from '../storage/types.js';
import type { GatewayDeps } from './deps.js';

export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x) return x.trim();
  return null;
}

/**
 * Keys already verified by a gateway, so the keyed hash runs once per key, not once per request.
 * Only keys that passed verification enter; the record (and so its revocation) is read every time,
 * and a changed hash invalidates the entry.
 */
const verifiedByGateway = new WeakMap<GatewayDeps, Map<string, { id: string; hash: string }>>();
const MAX_VERIFIED = 10_000;

export function authenticate(deps: GatewayDeps, headers: IncomingHttpHeaders): KeyRecord {
  const key = presentedKey(headers);
  if (!key) {
    throw new GatewayError('unauthenticated', 'Missing API key: send a Tollgate key as "Authorization: Bearer <key>" or "x-api-key: <key>".');
  }
  let verified = verifiedByGateway.get(deps);
  if (!verified) verifiedByGateway.set(deps, (verified = new Map()));
  const known = verified.get(key);
  let record = known ? deps.keys.get(known.id) : undefined;
  if (!record || record.hash !== known?.hash) {
    const id = keyIdOf(key);
    record = id ? deps.keys.get(id) : undefined;
    if (!record || !verifyKey(deps.keySecret, key, record.hash)) {
      throw new GatewayError('unauthenticated', 'Invalid API key: this is not a Tollgate key known to this gateway.');
    }
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(key, { id: record.id, hash: record.hash });
  }
  if (record.revokedAt !== null) {
    throw new GatewayError('key_revoked', `This key (${record.id}) has been revoked.`);
  }
  return record;
}
