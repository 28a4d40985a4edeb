/**
 * The mock provider's HTTP server: routing, the API-key presence check, body parsing and stats.
 * Plain node:http, because it is the baseline that gateway throughput is measured against.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleCountTokens, handleMessages } from './anthropic.js';
import { resolveOptions, type MockContext, type MockOptions } from './context.js';
import { anthropicErrorBody, openaiErrorBody } from './error-bodies.js';
import { answerFailure, sendJson } from './http-reply.js';
import { mockId } from './ids.js';
import { isObject, type JsonObject } from './message-text.js';
import { handleChatCompletions } from './openai-chat.js';
import { handleEmbeddings } from './openai-embeddings.js';
import { handleResponses } from './openai-responses.js';
import { MODELS_BODY } from './openai-models.js';
import { paddedTokens } from './padding.js';
import { createStats, resetStats, type MockStats } from './stats.js';

export interface MockProvider {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:PORT (SDKs want `${url}/v1`). */
  url: string;
  port: number;
  /** Live object: it keeps updating, and resetting clears it in place. */
  stats: MockStats;
  close(): Promise<void>;
}

type Family = 'openai' | 'anthropic';
type Handler = (ctx: MockContext, res: ServerResponse, body: JsonObject) => void;

interface Route {
  family: Family;
  method: 'GET' | 'POST';
  handle: Handler;
}

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/v1/chat/completions', { family: 'openai', method: 'POST', handle: handleChatCompletions }],
  ['/v1/embeddings', { family: 'openai', method: 'POST', handle: handleEmbeddings }],
  ['/v1/responses', { family: 'openai', method: 'POST', handle: handleResponses }],
  ['/v1/models', { family: 'openai', method: 'GET', handle: (_ctx, res) => sendJson(res, 200, {}, MODELS_BODY) }],
  ['/v1/messages', { family: 'anthropic', method: 'POST', handle: handleMessages }],
  ['/v1/messages/count_tokens', { family: 'anthropic', method: 'POST', handle: handleCountTokens }],
]);

function sendError(res: ServerResponse, family: Family, status: number, message: string): void {
  if (family === 'openai') {
    sendJson(res, status, { 'x-request-id': mockId('req_') }, openaiErrorBody(status, message));
  } else {
    const requestId = mockId('req_');
    sendJson(res, status, { 'request-id': requestId }, anthropicErrorBody(status, requestId, message));
  }
}

function isBearer(value: string | null): boolean {
  return value !== null && value.startsWith('Bearer ') && value.length > 'Bearer '.length;
}

/**
 * The credential header and whether one is present; its value is never checked. Anthropic keys come in
 * `x-api-key`, but newer Anthropic SDKs send `Authorization: Bearer <key>`, which the API also takes.
 */
function readAuth(req: IncomingMessage, family: Family): { raw: string | null; ok: boolean } {
  const authorization = req.headers.authorization ?? null;
  if (family === 'anthropic') {
    const key = req.headers['x-api-key'];
    if (typeof key === 'string' && key.length > 0) return { raw: key, ok: true };
    return { raw: authorization, ok: isBearer(authorization) };
  }
  return { raw: authorization, ok: isBearer(authorization) };
}

function handleControl(ctx: MockContext, path: string, req: IncomingMessage, res: ServerResponse): void {
  if (path === '/_mock/stats' && req.method === 'GET') {
    sendJson(res, 200, {}, JSON.stringify(ctx.stats));
  } else if (path === '/_mock/reset' && req.method === 'POST') {
    resetStats(ctx.stats);
    sendJson(res, 200, {}, '{"ok":true}');
  } else {
    sendError(res, 'openai', 404, `Unknown mock control endpoint (${req.method ?? ''} ${path}).`);
  }
}

function onRequest(ctx: MockContext, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.startsWith('/_mock/')) {
    handleControl(ctx, path, req, res);
    return;
  }

  const { stats } = ctx;
  stats.requests++;
  stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
  stats.lastPath = path;
  stats.lastBody = null;
  const route = ROUTES.get(path);
  const family: Family = route?.family ?? (path.startsWith('/v1/messages') ? 'anthropic' : 'openai');
  const auth = readAuth(req, family);
  stats.lastAuth = auth.raw;
  if (route === undefined || route.method !== req.method) {
    sendError(res, family, 404, `Invalid URL (${req.method ?? ''} ${path})`);
    return;
  }
  if (!auth.ok) {
    const message =
      family === 'openai'
        ? "You didn't provide an API key. Send it in an Authorization header using Bearer auth."
        : 'x-api-key header is required';
    sendError(res, family, 401, message);
    return;
  }
  if (route.method === 'GET') {
    route.handle(ctx, res, {});
    return;
  }

  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    let body: unknown;
    try {
      body = JSON.parse(raw === undefined ? '' : raw.toString('utf8'));
    } catch {
      sendError(res, family, 400, 'We could not parse the JSON body of your request.');
      return;
    }
    if (!isObject(body)) {
      sendError(res, family, 400, 'The request body must be a JSON object.');
      return;
    }
    stats.lastBody = body;
    answerFailure(res, () => route.handle(ctx, res, body));
  });
}

function listeningPort(address: AddressInfo | string | null): number {
  if (address === null || typeof address === 'string') throw new Error('mock provider is not listening on TCP');
  return address.port;
}

export async function startMockProvider(options: MockOptions = {}): Promise<MockProvider> {
  const opts = resolveOptions(options);
  const ctx: MockContext = { opts, stats: createStats(), paddedTokens: paddedTokens(opts), pending: new Set() };
  const server = createServer({ noDelay: true, keepAlive: true }, (req, res) => onRequest(ctx, req, res));
  // Load generators hold connections open; do not make them reconnect mid-benchmark.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = listeningPort(server.address());
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  return {
    url: `http://${host}:${port}`,
    port,
    stats: ctx.stats,
    close: async () => {
      for (const cancel of [...ctx.pending]) cancel();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
