/** Talking to the gateway: the admin API with the session cookie, and the CSRF token on every change. */
import { useCallback, useEffect, useState } from 'react';
import { formatUsd } from '../../src/pricing/money.js';

export interface Session {
  role: 'admin' | 'team';
  team: string | null;
  csrf: string;
}

let csrf = '';
export function setCsrf(token: string): void {
  csrf = token;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-tollgate-csrf'] = csrf;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? String(res.status), err?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  /** The endpoint does not exist on this gateway (yet): show what it would give once it does. */
  | { state: 'missing' }
  | { state: 'forbidden'; message: string }
  | { state: 'error'; message: string };

/** GET a path; reload() fetches again. A null path waits. */
export function useApi<T>(path: string | null): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api<T>(path).then(
      (data) => live && setLoad({ state: 'ok', data }),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 404 && err.code === 'not_found') setLoad({ state: 'missing' });
        else if (err instanceof ApiError && err.status === 403) setLoad({ state: 'forbidden', message: err.message });
        else setLoad({ state: 'error', message: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [load, reload];
}

/** Every dollar amount on the dashboard: the server's formatter, so a tiny cost never reads $0.00 or $0.0000. */
export function usd(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : formatUsd(v);
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const d = new Date(iso);
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC';
}

export function day(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** YYYY-MM-DD of a time, in UTC (the ledger's day grouping). */
export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
