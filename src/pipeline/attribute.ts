/**
 * Stage 3 — attribute: who pays for this call (the key's team, user, project) and which run/agent made it.
 * Header values are read as UTF-8 and bounded by guard/run-id.ts, the rule the run guard uses for the run id too.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { boundedId } from '../guard/index.js';
import type { KeyRecord } from '../storage/types.js';
import type { Attribution } from './context.js';

/** Tags past this many are ignored: a call's tags each name a budget and a spend group. */
export const MAX_TAGS = 32;

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * node:http gives a header's value as latin1, one character per byte, so `é` sent as UTF-8 arrives
 * as `Ã©`: its bytes are read as UTF-8 again. A value whose bytes are not UTF-8 stays as it came.
 */
export function utf8(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  try {
    return UTF8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}

function clean(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const t = utf8(s).trim();
  return t ? boundedId(t) : null;
}

/** Whole tags only (never cut mid-tag), each bounded like a run id (guard/run-id.ts), duplicates dropped, at most MAX_TAGS. */
function tags(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v.join(',') : v;
  if (!s) return null;
  const list: string[] = [];
  for (const raw of utf8(s).split(',')) {
    const t = raw.trim();
    if (!t) continue;
    const tag = boundedId(t);
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
