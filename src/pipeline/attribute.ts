/** Stage 3 — attribute: who pays for this call (the key's team, user, project) and which run/agent made it. */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { KeyRecord } from '../storage/types.js';
import type { Attribution } from './context.js';

const MAX_HEADER_VALUE = 200;
/** Tags past this many are ignored: a call's tags each name a budget and a spend group. */
export const MAX_TAGS = 32;

/**
 * A value bounded to MAX_HEADER_VALUE characters. A longer one keeps its start and ends with a hash
 * of the whole, so two long run ids (or tags) that share a prefix never merge into one.
 */
function bounded(t: string): string {
  if (t.length <= MAX_HEADER_VALUE) return t;
  const hash = createHash('sha256').update(t).digest('hex').slice(0, 16);
  return `${t.slice(0, MAX_HEADER_VALUE - 17)}~${hash}`;
}

function clean(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const t = s.trim();
  return t ? bounded(t) : null;
}

/** Whole tags only (never cut mid-tag), each bounded, duplicates dropped, at most MAX_TAGS. */
function tags(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v.join(',') : v;
  if (!s) return null;
  const list: string[] = [];
  for (const raw of s.split(',')) {
    const t = raw.trim();
    if (!t) continue;
    const tag = bounded(t);
    if (!list.includes(tag)) list.push(tag);
    if (list.length === MAX_TAGS) break;
  }
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
