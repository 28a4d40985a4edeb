/**
 * Dashboard sessions: a browser trades a key (the admin key, or a team's Tollgate key for a read-only
 * view of that team) for a random session id in an HttpOnly, SameSite=Strict cookie, so the key never
 * sits in the page's JavaScript. Sessions live in memory (one gateway process serves its dashboard)
 * and expire. Mutations made with the cookie must also carry the session's CSRF token in
 * `x-tollgate-csrf`; callers presenting a bearer key (the CLI) are unaffected.
 *   POST   /dashboard/api/session  {"key": "..."} -> {role, team, csrf, expires_at} + Set-Cookie
 *   GET    /dashboard/api/session  the current session (and its CSRF token) or 401
 *   DELETE /dashboard/api/session  sign out
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import type { AdminCaller } from './admin.js';
import { readBody } from './read-body.js';

export const SESSION_COOKIE = 'tg_session';
export const CSRF_HEADER = 'x-tollgate-csrf';
const SESSION_TTL_MS = 12 * 3_600_000;
const MAX_SESSIONS = 10_000;
/** Sessions one key (or the admin key) may hold at a time; a new one replaces its oldest. */
const MAX_SESSIONS_PER_KEY = 20;

interface Session {
  caller: AdminCaller;
  /** The team key a viewer signed in with: its revocation ends the session. */
  keyId: string | null;
  csrf: string;
  expiresAt: number;
}

/** Per gateway, so tests running several gateways in one process never share sessions. */
const sessionsByGateway = new WeakMap<GatewayDeps, Map<string, Session>>();

function sessionsOf(deps: GatewayDeps): Map<string, Session> {
  let m = sessionsByGateway.get(deps);
  if (!m) sessionsByGateway.set(deps, (m = new Map()));
  return m;
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function live(deps: GatewayDeps, req: IncomingMessage): { id: string; session: Session } | null {
  const id = cookieValue(req, SESSION_COOKIE);
  if (!id) return null;
  const sessions = sessionsOf(deps);
  const session = sessions.get(id);
  if (!session) return null;
  const record = session.keyId === null ? null : deps.keys.get(session.keyId);
  const keyGone = session.keyId !== null && (!record || record.revokedAt !== null);
  if (session.expiresAt <= deps.now() || keyGone) {
    sessions.delete(id);
    return null;
  }
  return { id, session };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The caller behind a session cookie, or null when there is none. Any method other than GET/HEAD must
 * carry the session's CSRF token: a cross-site form or script can send the cookie but cannot read the token.
 */
export function sessionCaller(deps: GatewayDeps, req: IncomingMessage): AdminCaller | null {
  const found = live(deps, req);
  if (!found) return null;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, found.session.csrf)) {
      throw new GatewayError('csrf_token_invalid', `A change made with a dashboard session must carry its CSRF token in the ${CSRF_HEADER} header.`);
    }
  }
  return found.session.caller;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function cookie(req: IncomingMessage, value: string, maxAgeS: number): string {
  // Secure only behind https (a proxy says so); a plain-http localhost gateway would otherwise lose it.
  const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${secure}`;
}

function view(s: Session): Record<string, unknown> {
  return { role: s.caller.role, team: s.caller.role === 'team' ? s.caller.team : null, csrf: s.csrf, expires_at: new Date(s.expiresAt).toISOString() };
}

export async function handleSession(
  deps: GatewayDeps,
  req: IncomingMessage,
  res: ServerResponse,
  callerForKey: (key: string) => { caller: AdminCaller; keyId: string | null },
  /** Called after a sign-in (e.g. to warm the caches the first page will read). */
  onSignIn: (caller: AdminCaller) => void = () => undefined,
): Promise<void> {
  const method = req.method ?? 'GET';
  const sessions = sessionsOf(deps);
  if (method === 'GET') {
    const found = live(deps, req);
    if (!found) throw new GatewayError('unauthenticated', 'Not signed in: POST a key to /dashboard/api/session.');
    return send(res, 200, view(found.session));
  }
  if (method === 'DELETE') {
    const found = live(deps, req);
    if (found) {
      sessionCaller(deps, req);
      sessions.delete(found.id);
    }
    return send(res, 200, { signed_out: true }, { 'set-cookie': cookie(req, '', 0) });
  }
  if (method !== 'POST') throw new GatewayError('method_not_allowed', `${method} is not allowed on /dashboard/api/session.`);
  // A cross-site HTML form cannot send JSON, so sign-in cannot be forged from another site either.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new GatewayError('invalid_request', 'Sign in with a JSON body {"key": "..."}.');
  }
  // A body too large or compressed is refused as such (413, 415), not as malformed JSON.
  const raw = await readBody(req, 16 * 1024);
  let key: unknown;
  try {
    key = (JSON.parse(raw.toString('utf8') || '{}') as { key?: unknown }).key;
  } catch {
    throw new GatewayError('invalid_json', 'Sign in with a JSON body {"key": "..."}.');
  }
  if (typeof key !== 'string' || !key.trim()) throw new GatewayError('invalid_request', 'Sign in with a JSON body {"key": "..."}.');
  const { caller, keyId } = callerForKey(key.trim());
  const now = deps.now();
  // One key signing in again and again replaces its own oldest session, never anyone else's.
  const own = [...sessions].filter(([, s]) => s.keyId === keyId && s.caller.role === caller.role);
  if (own.length >= MAX_SESSIONS_PER_KEY) sessions.delete(own[0]![0]);
  if (sessions.size >= MAX_SESSIONS) {
    for (const [id, s] of sessions) if (s.expiresAt <= now) sessions.delete(id);
    if (sessions.size >= MAX_SESSIONS) throw new GatewayError('rate_limited', 'Too many dashboard sessions are open; retry later.', { details: { retry_after_seconds: 60 } });
  }
  const id = randomBytes(32).toString('base64url');
  const session: Session = { caller, keyId, csrf: randomBytes(24).toString('base64url'), expiresAt: now + SESSION_TTL_MS };
  sessions.set(id, session);
  send(res, 200, view(session), { 'set-cookie': cookie(req, id, SESSION_TTL_MS / 1000) });
  onSignIn(caller);
}
