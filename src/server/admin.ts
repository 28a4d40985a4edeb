/**
 * The admin API under /admin/v1, authenticated by the admin key (TOLLGATE_ADMIN_KEY or config).
 * A team's own Tollgate key may read (GET) that team's keys, spend, calls, budgets and runs, nothing else.
 *   POST /admin/v1/keys            {team, user?, project?, models?, name?} -> the new key, shown once
 *   GET  /admin/v1/keys?team=      keys without their hashes, of one team or all
 *   DELETE /admin/v1/keys/:id      revoke (takes effect on the next request)
 *   GET  /admin/v1/spend?group_by=team,day&team=&model=&from=&to=   (admin-spend.ts)
 *   GET  /admin/v1/calls?run=&team=&from=&to=&limit=   newest first, limit 1-1000 (page older calls with to=)
 *   GET  /admin/v1/savings?group_by=team&team=&from=&to=   what routing, downgrades and the cache saved
 *   GET  /admin/v1/waste, POST/GET /admin/v1/outcomes, GET /admin/v1/roi (admin-waste/outcomes/roi.ts)
 *   GET  /admin/v1/models          the price book and the route rules (read-only)
 *   GET  /admin/v1/runs/events     live run snapshots as server-sent events
 * The dashboard's session cookie may stand in for the key (see dashboard-session.ts). HEAD on a GET route
 * is answered as GET without a body.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isSpendGroup, parseWindow } from '../analytics/spend-report.js';
import { CONTROL_CHARS_MESSAGE, isPlainText } from '../config/plain-text.js';
import { savingsReport } from '../analytics/savings-report.js';
import { GatewayError } from '../errors.js';
import { createVirtualKey, publicKey } from '../keys/key-service.js';
import { authenticate, presentedKey } from '../pipeline/authenticate.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { limitParam, NO_PARAMS, onlyParams } from './query-params.js';
import { throttledAuth } from './auth-throttle.js';
import { nanosToUsd } from '../pricing/money.js';
import { SPEND_GROUPS, type CallQuery, type CallRow, type SpendQuery } from '../storage/types.js';
import { readBody } from './read-body.js';
import { handleBudgets } from './admin-budgets.js';
import { handleRuns } from './admin-runs.js';
import { handleWaste } from './admin-waste.js';
import { handleOutcomes } from './admin-outcomes.js';
import { handleRoi } from './admin-roi.js';
import { handleForecasts } from './admin-forecasts.js';
import { handleRunEvents } from './admin-run-events.js';
import { handleModels } from './admin-models.js';
import { sessionCaller } from './dashboard-session.js';
import { handleSpend } from './admin-spend.js';
import { routedMethod } from './request-method.js';

/** A name a key carries (team, user, project, label): plain text, so it reads the same everywhere it is shown. */
const keyName = (min: number) => z.string().min(min).max(200).refine(isPlainText, CONTROL_CHARS_MESSAGE);

const newKeySchema = z
  .object({
    team: keyName(1),
    user: keyName(1).nullish(),
    project: keyName(1).nullish(),
    models: z.array(z.string().min(1)).nullish(),
    name: keyName(0).nullish(),
    unlimited: z.boolean().optional(),
  })
  .strict();

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Who is asking: the admin, or a team reading its own data with one of its Tollgate keys. */
export type AdminCaller = { role: 'admin' } | { role: 'team'; team: string };

/** The caller a key stands for: the admin key, or a team's Tollgate key (read-only, its own team). */
export function callerForKey(deps: GatewayDeps, given: string): { caller: AdminCaller; keyId: string | null } {
  const expected = deps.config.admin_key;
  if (expected && timingSafeEqual(digest(given), digest(expected))) return { caller: { role: 'admin' }, keyId: null };
  try {
    const record = authenticate(deps, { authorization: `Bearer ${given}` });
    return { caller: { role: 'team', team: record.team }, keyId: record.id };
  } catch {
    throw new GatewayError(
      'unauthenticated',
      expected ? 'A valid admin key (or a team key) is required for /admin/v1.' : 'The admin API needs TOLLGATE_ADMIN_KEY (or admin_key in the config); team keys may read their own team.',
    );
  }
}

function whoIsAsking(deps: GatewayDeps, req: IncomingMessage): AdminCaller {
  const given = presentedKey(req.headers);
  if (given) return callerForKey(deps, given).caller;
  // The dashboard's session cookie stands in for the key (mutations also need its CSRF token).
  const session = sessionCaller(deps, req);
  if (session) return session;
  throw new GatewayError('unauthenticated', 'An admin key (or a team key, for reading its own team) is required for /admin/v1.');
}

/** Whoever opened a long-lived answer (a live stream) may still read: key not revoked, session not ended. */
function stillCaller(deps: GatewayDeps, req: IncomingMessage): boolean {
  try {
    whoIsAsking(deps, req);
    return true;
  } catch {
    return false;
  }
}

function requireAdmin(caller: AdminCaller): void {
  if (caller.role !== 'admin') throw new GatewayError('forbidden', 'Only the admin key may make changes through /admin/v1 (keys, budgets, runs, outcomes); a team key may only read its own team.');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Bytes that are not UTF-8 are refused, not stored with replacement characters (a team "alp\uFFFDha"). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

async function readJson(deps: GatewayDeps, req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req, deps.config.server.max_body_bytes);
  try {
    return JSON.parse(UTF8.decode(raw) || '{}');
  } catch {
    // The parser's message quotes the body, which may hold a secret: not echoed, not logged.
    throw new GatewayError('invalid_json', 'Request body is not valid JSON.');
  }
}

/** group_by, from and to of a report request (spend, savings), validated. */
function reportQuery(params: URLSearchParams, now: number, team: string | undefined): SpendQuery {
  const groupBy = params.get('group_by') ?? 'team';
  if (!isSpendGroup(groupBy)) throw new GatewayError('invalid_request', `group_by must be one of ${SPEND_GROUPS.join(', ')}.`);
  try {
    return { groupBy, ...parseWindow(params.get('from'), params.get('to'), now), team };
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
}

const CALLS_PARAMS = new Set(['run', 'team', 'limit', 'from', 'to']);
const KEYS_PARAMS = new Set(['team']);
/** What /admin/v1/savings takes: a typo (`tema=`) would otherwise answer for the whole organisation. */
const SAVINGS_PARAMS = new Set(['group_by', 'team', 'from', 'to']);

/** The newest calls (at most `limit`, 1-1000, default 100) of a run, a team and a window; anything else is refused. */
function callsQuery(params: URLSearchParams, now: number): CallQuery {
  onlyParams(params, CALLS_PARAMS, '/admin/v1/calls');
  const limit = limitParam(params, 100, 1000);
  let window: { from: number | undefined; to: number | undefined };
  try {
    window = parseWindow(params.get('from'), params.get('to'), now);
  } catch (err) {
    throw new GatewayError('invalid_request', (err as Error).message);
  }
  return { limit, run: params.get('run') || undefined, team: params.get('team') || undefined, ...window };
}

export async function handleAdmin(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const caller = throttledAuth(deps, req, () => whoIsAsking(deps, req));
  const team = caller.role === 'team' ? caller.team : undefined;
  // HEAD is answered as GET (without a body), and reads as GET: a team key may make it too.
  const method = routedMethod(req);
  if (method !== 'GET') requireAdmin(caller);
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  // One answer everywhere for a team key that names another team (not a silently rewritten filter).
  const named = params.get('team');
  if (team !== undefined && named && named !== team) {
    throw new GatewayError('forbidden', `A team key reads only its own team (${team}), not team ${named}.`);
  }
  const store = deps.store;

  if (path === '/admin/v1/keys' && method === 'POST') {
    onlyParams(params, NO_PARAMS, 'POST /admin/v1/keys');
    const parsed = newKeySchema.safeParse(await readJson(deps, req));
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new GatewayError('invalid_request', `Invalid key request: ${i?.path.join('.') || 'body'}: ${i?.message}`);
    }
    const unknown = (parsed.data.models ?? []).filter((m) => !deps.models.has(m));
    if (unknown.length) throw new GatewayError('unknown_model', `Unknown models: ${unknown.join(', ')}`);
    const { record, key } = await createVirtualKey(store, deps.keySecret, parsed.data, deps.now());
    deps.keys.put(record);
    return send(res, 201, { ...publicKey(record), key });
  }
  if (path === '/admin/v1/keys' && method === 'GET') {
    onlyParams(params, KEYS_PARAMS, '/admin/v1/keys');
    // A team key is held to its own team (another team named is refused above); the admin may name one.
    const only = team ?? (params.get('team') || undefined);
    const keys = (await store.listKeys()).filter((k) => only === undefined || k.team === only);
    return send(res, 200, { data: keys.map(publicKey) });
  }
  const keyMatch = /^\/admin\/v1\/keys\/([A-Za-z0-9]+)$/.exec(path);
  if (keyMatch && method === 'DELETE') {
    onlyParams(params, NO_PARAMS, 'DELETE /admin/v1/keys/:id');
    const id = keyMatch[1]!;
    if (!(await store.revokeKey(id, deps.now()))) throw new GatewayError('not_found', `No key with id ${id}.`);
    const record = await store.getKey(id);
    if (record) deps.keys.put(record);
    return send(res, 200, { id, revoked: true });
  }
  if (path.startsWith('/admin/v1/budgets')) {
    const done = await handleBudgets(deps, method, path, params, () => readJson(deps, req), (status, body) => send(res, status, body), team);
    if (done) return;
  }
  if (path === '/admin/v1/forecasts' && (await handleForecasts(deps, method, path, params, (status, body) => send(res, status, body), team))) return;
  if (path === '/admin/v1/models' && method === 'GET') {
    onlyParams(params, NO_PARAMS, '/admin/v1/models');
    return send(res, 200, handleModels(deps, caller.role === 'admin'));
  }
  if (path.startsWith('/admin/v1/runs')) {
    // Runs are per team: a team key reads its own team's (changes are the admin's, checked above).
    if (path === '/admin/v1/runs/events' && method === 'GET') return handleRunEvents(deps, req, res, params, team, () => stillCaller(deps, req));
    const done = await handleRuns(deps, method, path, params, () => readJson(deps, req), (status, body) => send(res, status, body), team);
    if (done) return;
  }
  const reply = (status: number, body: unknown): void => send(res, status, body);
  if (await handleWaste(deps, method, path, params, reply, team)) return;
  if (await handleOutcomes(deps, method, path, params, () => readJson(deps, req), reply, team)) return;
  if (await handleRoi(deps, method, path, params, reply, team)) return;
  if (path === '/admin/v1/savings' && method === 'GET') {
    onlyParams(params, SAVINGS_PARAMS, '/admin/v1/savings');
    // A team key is held to its own team (another team named is refused above); the admin may name one.
    const q = reportQuery(params, deps.now(), team ?? (params.get('team') || undefined));
    const report = await savingsReport(store, q);
    return send(res, 200, { group_by: q.groupBy, ...report, data: report.data.map((r) => ({ [q.groupBy]: r.group, ...r })) });
  }
  if (path === '/admin/v1/spend' && method === 'GET') return send(res, 200, await handleSpend(deps, params, team));
  if (path === '/admin/v1/calls' && method === 'GET') {
    const q = callsQuery(params, deps.now());
    const rows = await store.calls({ ...q, team: team ?? q.team });
    return send(res, 200, { data: rows.map(callView) });
  }
  throw new GatewayError('not_found', `No admin route for ${method} ${path}.`);
}

export function callView(r: CallRow): Record<string, unknown> {
  return {
    id: r.id,
    started_at: new Date(r.startedAt).toISOString(),
    first_byte_at: r.firstByteAt === null ? null : new Date(r.firstByteAt).toISOString(),
    ended_at: new Date(r.endedAt).toISOString(),
    key_id: r.keyId,
    team: r.team,
    user: r.user,
    project: r.project,
    run: r.run,
    agent: r.agent,
    parent: r.parent,
    tags: r.tags ? r.tags.split(',') : [],
    endpoint: r.endpoint,
    stream: r.stream,
    provider: r.provider,
    requested_model: r.requestedModel,
    served_model: r.servedModel,
    input_tokens: r.inputTokens,
    cached_input_tokens: r.cachedInputTokens,
    cache_write_5m_tokens: r.cacheWrite5mTokens,
    cache_write_1h_tokens: r.cacheWrite1hTokens,
    output_tokens: r.outputTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_usd: nanosToUsd(r.costNanos),
    cost_nanos: r.costNanos,
    estimated: r.estimated,
    status: r.status,
    http_status: r.httpStatus,
    error_code: r.errorCode,
    web_searches: r.webSearches,
    service_tier: r.serviceTier,
  };
}
