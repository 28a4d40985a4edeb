/** Stage 3 — attribute: who pays for this call (the key's team, user, project) and which run/agent made it. */
import type { IncomingHttpHeaders } from 'node:http';
import type { KeyRecord } from '../storage/types.js';
import type { Attribution } from './context.js';

const MAX_HEADER_VALUE = 200;

function clean(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const t = s.trim();
  return t ? t.slice(0, MAX_HEADER_VALUE) : null;
}

function tags(v: string | string[] | undefined): string | null {
  const s = clean(Array.isArray(v) ? v.join(',') : v);
  if (!s) return null;
  const list = s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return list.length ? list.join(',') : null;
}

export function attribute(key: KeyRecord, headers: IncomingHttpHeaders): Attribution {
  return {
    keyId: key.id,
    team: key.team,
    user: key.user,
    project: key.project,
    run: clean(headers['x-tollgate-run']),
    agent: clean(headers['x-tollgate-agent']),
    parent: clean(headers['x-tollgate-parent']),
    tags: tags(headers['x-tollgate-tags']),
  };
}
