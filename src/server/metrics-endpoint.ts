/**
 * GET /metrics (or `metrics.path`): the Prometheus text format. When `metrics.bearer_token` is set,
 * the scrape must present it as `Authorization: Bearer <token>`; otherwise the endpoint is open
 * (the gateway listens on 127.0.0.1 by default: set a token before exposing it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function bearerOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  return auth && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ' ? auth.slice(7).trim() : null;
}

export async function serveMetrics(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const metrics = deps.telemetry.metrics;
  if (!metrics) throw new GatewayError('not_found', 'Metrics are disabled.');
  const expected = deps.config.metrics.bearer_token;
  if (expected !== undefined) {
    const given = bearerOf(req);
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
    if (given === null || !timingSafeEqual(digest(given), digest(expected))) {
      res.setHeader('www-authenticate', 'Bearer realm="tollgate-metrics"');
      throw new GatewayError('unauthenticated', 'This metrics endpoint needs Authorization: Bearer <metrics.bearer_token>.');
    }
  }
  const body = await metrics.scrape();
  res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
