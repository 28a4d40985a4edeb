/**
 * The built dashboard's files (dist/dashboard), read once, gzipped once and kept in memory: the whole
 * app is a few hundred kilobytes. While the build is missing, the folder is looked for again at most
 * once per `recheckMs`, so a dashboard built after the gateway started is served without a restart.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Asset {
  body: Buffer;
  gz: Buffer | null;
  type: string;
  etag: string;
}

/** The first candidate folder holding an index.html, or null. */
export function findBuiltRoot(candidates: readonly string[]): string | null {
  for (const candidate of candidates) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export class DashboardFiles {
  private readonly assets = new Map<string, Promise<Asset | null>>();
  private root: string | null = null;
  private lookedAt = -Infinity;

  constructor(
    private readonly findRoot: () => string | null,
    private readonly o: { recheckMs: number; now: () => number } = { recheckMs: 1000, now: Date.now },
  ) {}

  /** A file of the build by its path relative to the build's folder; null if there is no such file (or no build). */
  load(rel: string): Promise<Asset | null> {
    if (this.root === null) {
      // Only a missing build is looked for again (a few existsSync calls, at most once per recheckMs).
      const now = this.o.now();
      if (now - this.lookedAt < this.o.recheckMs) return Promise.resolve(null);
      this.lookedAt = now;
      this.root = this.findRoot();
      if (this.root === null) return Promise.resolve(null);
    }
    const root = this.root;
    let p = this.assets.get(rel);
    if (!p) {
      p = read(root, rel);
      if (this.assets.size < 1000) this.assets.set(rel, p);
    }
    return p;
  }
}

async function read(root: string, rel: string): Promise<Asset | null> {
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep)) return null;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return null;
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const gz = /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024 ? await gzipAsync(body) : null;
  return { body, gz, type, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}
