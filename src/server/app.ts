/**
 * The HTTP app: /v1/* in the OpenAI and Anthropic shapes, /admin/v1/*, /dashboard, /healthz. Plain node:http:
 * the routing table is a handful of paths, and the hot path wants no framework between it and the socket.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { decodePathSegment, GatewayError, toGatewayError } from '../errors.js';
import { authenticate } from '../pipeline/authenticate.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { runModelCall } from '../pipeline/index.js';
import type { ApiShape } from '../providers/types.js';
import { handleAdmin } from './admin.js';
import { handleDashboard } from './dashboard.js';
import { countTokens } from './count-tokens.js';
import { getModel, listModels } from './models-list.js';
import { serveMetrics } from './metrics-endpoint.js';
import { respondError } from './respond-error.js';
import { routedMethod } from './request-method.js';

/** Paths only OpenAI's API has: their errors are in its shape whatever the headers say. */
const OPENAI_PATHS = /^\/v1\/(chat\/completions|responses|embeddings)(\/|$)/;

/**
 * The caller's API shape for answers outside a model call: from the path where it belongs to one API,
 * else Anthropic's when its SDK's anthropic-version header is there (shared paths such as /v1/models).
 */
function shapeOf(req: IncomingMessage, path: string): ApiShape {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (OPENAI_PATHS.test(path)) return 'openai';
  return req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
}

export interface AppState {
  shuttingDown: boolean;
  /** Model calls still in their pipeline (metering, settling, recording may outlive the response). */
  inflight: InflightCalls;
}

/**
 * Model calls in flight, counted: a Set of their promises cost an entry (and an identity hash) and two
 * closures per call, where the count and its two shared callbacks cost nothing. A rejection still
 * surfaces as unhandled, as before.
 */
export class InflightCalls {
  private n = 0;
  private waiters: (() => void)[] = [];
  private readonly done = (): void => {
    if (--this.n === 0 && this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  };
  private readonly failed = (err: unknown): never => {
    this.done();
    throw err;
  };

  track(p: Promise<void>): void {
    this.n++;
    // then() rather than finally(): finally chains two more promises per call.
    void p.then(this.done, this.failed);
  }

  get size(): number {
    return this.n;
  }

  /** Resolves once no call is in flight. */
  idle(): Promise<void> {
    return this.n === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

function track(state: AppState, p: Promise<void>): void {
  state.inflight.track(p);
}

export function createApp(deps: GatewayDeps, state: AppState): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    // HEAD is answered as GET without a body, on every GET route (admin.ts routes its own the same way).
    const method = routedMethod(req);
    if (state.shuttingDown) res.setHeader('connection', 'close');

    if (method === 'POST') {
      if (path === '/v1/chat/completions') return track(state, runModelCall(deps, req, res, 'openai', 'chat'));
      if (path === '/v1/messages') return track(state, runModelCall(deps, req, res, 'anthropic', 'messages'));
      if (path === '/v1/embeddings') return track(state, runModelCall(deps, req, res, 'openai', 'embeddings'));
      if (path === '/v1/responses') return track(state, runModelCall(deps, req, res, 'openai', 'responses'));
      if (path === '/v1/messages/count_tokens') {
        return void countTokens(deps, req, res).catch((err: unknown) => respondError(res, 'anthropic', toGatewayError(err)));
      }
    }
    if (method === 'GET' && path === deps.telemetry.metricsPath) {
      return void serveMetrics(deps, req, res).catch((err: unknown) => respondError(res, 'openai', toGatewayError(err)));
    }
    if (path.startsWith('/admin/v1/')) {
      return void handleAdmin(deps, req, res, path, url.slice(path.length)).catch((err: unknown) => {
        const e = toGatewayError(err);
        // Caller mistakes (4xx) are answered, not logged as server errors.
        if (e.status >= 500) deps.log.error({ err }, 'admin request failed');
        respondError(res, 'openai', e);
      });
    }
    if (path === '/dashboard' || path.startsWith('/dashboard/')) {
      return void handleDashboard(deps, req, res, path).catch((err: unknown) => respondError(res, 'openai', toGatewayError(err)));
    }
    const api = shapeOf(req, path);
    try {
      if (method === 'GET' && path === '/v1/models') return listModels(deps, authenticate(deps, req.headers), api, res, q < 0 ? '' : url.slice(q));
      if (method === 'GET' && path.startsWith('/v1/models/')) {
        return getModel(deps, authenticate(deps, req.headers), api, decodePathSegment(path.slice('/v1/models/'.length), 'model id'), res);
      }
      if (method === 'GET' && path === '/healthz') {
        res.writeHead(state.shuttingDown ? 503 : 200, { 'content-type': 'application/json' });
        return void res.end(state.shuttingDown ? '{"status":"shutting_down"}' : '{"status":"ok"}');
      }
      if (['/v1/chat/completions', '/v1/messages', '/v1/embeddings', '/v1/responses'].includes(path)) {
        throw new GatewayError('method_not_allowed', `${req.method} is not allowed on ${path}; use POST.`);
      }
      throw new GatewayError('not_found', `No route for ${req.method} ${path}.`);
    } catch (err) {
      respondError(res, api, toGatewayError(err));
    }
  };
}
