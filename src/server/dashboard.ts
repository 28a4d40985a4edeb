/**
 * /dashboard: the built single-page app (dist/dashboard, made by `npm run build`) and its session
 * endpoint. Hashed assets are cached for a year (their names change with their content), index.html
 * is revalidated every time; any other path under /dashboard is a page of the app (SPA fallback).
 * Files are read once, gzipped once and kept in memory (dashboard-files.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { callerForKey } from './admin.js';
import { DashboardFiles, findBuiltRoot } from './dashboard-files.js';
import { handleSession } from './dashboard-session.js';
import { throttledAuth } from './auth-throttle.js';

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  // uPlot positions its legend and cursor with inline styles.
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

/** dist/dashboard next to the compiled server (dist/server) or, when run from source, at the repository root. */
const here = fileURLToPath(new URL('.', import.meta.url));
const files = new DashboardFiles(() => findBuiltRoot([join(here, '..', 'dashboard'), join(here, '..', '..', 'dist', 'dashboard')]));
const load = (rel: string) => files.load(rel);

async function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice('/dashboard'.length)).replace(/^\/+/, '');
  } catch {
    throw new GatewayError('not_found', `No dashboard file ${path}.`);
  }
  const isAsset = rel.startsWith('assets/') || extname(rel) !== '';
  let asset = isAsset ? await load(rel) : null;
  if (!asset && isAsset && rel.startsWith('assets/')) throw new GatewayError('not_found', `No dashboard file ${rel}.`);
  const page = !asset;
  if (page) asset = await load('index.html');
  if (!asset) throw new GatewayError('not_found', 'The dashboard is not built: run `npm run build` (npm ci does it too).');
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'content-type': asset.type,
    'cache-control': page || rel === 'index.html' ? 'no-cache' : rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
    etag: asset.etag,
    vary: 'accept-encoding',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  const useGz = asset.gz !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = useGz ? asset.gz! : asset.body;
  if (useGz) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export async function handleDashboard(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/dashboard/api/session') return handleSession(deps, req, res, (key) => throttledAuth(deps, req, () => callerForKey(deps, key)));
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw new GatewayError('method_not_allowed', `${method} is not allowed on ${path}.`);
  if (path === '/dashboard') {
    res.writeHead(308, { location: '/dashboard/' });
    return void res.end();
  }
  return serveStatic(req, res, path);
}
