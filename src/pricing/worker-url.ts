/**
 * Where a worker module of this folder lives: beside this file when running compiled, or the built
 * copy in dist/ when running from TypeScript sources (vitest), which `npm test` builds first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function pricingWorkerUrl(file: string): URL {
  const here = new URL(`./${file}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(`../../dist/pricing/${file}`, import.meta.url);
}
