/**
 * Virtual keys: `tg_<id>_<secret>`. The id is public (it names the key in lists and the ledger); the
 * whole key is stored only as HMAC-SHA256 under the server's key secret and compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_RE = /^tg_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32,64})$/;

export function hashKey(secret: string, key: string): string {
  return createHmac('sha256', secret).update(key).digest('hex');
}

export function generateKey(secret: string): { id: string; key: string; hash: string } {
  const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const key = `tg_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashKey(secret, key) };
}

/** The id part of a well-formed key, or null. */
export function keyIdOf(key: string): string | null {
  const m = KEY_RE.exec(key);
  return m ? m[1]! : null;
}

export function verifyKey(secret: string, key: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(secret, key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
