/**
 * Identifiers in each provider's format. A random per-process base plus a counter keeps them unique
 * across mock instances without paying for crypto randomness on every request.
 */
import { randomBytes } from 'node:crypto';

const base = randomBytes(6).toString('hex');
let counter = 0;

export function mockId(prefix: string): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${base}${counter.toString(36)}`;
}
