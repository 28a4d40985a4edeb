/** GET /v1/models: the models this key may use, in the caller's API shape. */
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { mayUse } from '../pipeline/route.js';
import type { ApiShape } from '../providers/types.js';
import type { KeyRecord } from '../storage/types.js';

/** GET /v1/models/{id}: one model this key may use (404 unknown_model otherwise, as for a call). */
export function getModel(deps: GatewayDeps, key: KeyRecord, api: ApiShape, id: string, res: ServerResponse): void {
  if (!deps.models.has(id) || !mayUse(key, id)) throw new GatewayError('unknown_model', `Unknown model ${id}.`);
  const body =
    api === 'anthropic'
      ? { type: 'model', id, display_name: id, created_at: new Date(key.createdAt).toISOString() }
      : { id, object: 'model', created: Math.floor(key.createdAt / 1000), owned_by: deps.models.get(id)?.provider.name ?? 'tollgate' };
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Anthropic's page size when the client names none, and the largest it accepts. */
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

function badParam(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { details: { param } });
}

function cursorAt(names: string[], id: string, param: string): number {
  const i = names.indexOf(id);
  if (i < 0) throw badParam(param, `${param} "${id}" is not a model in this list.`);
  return i;
}

/**
 * One page of an Anthropic model list (the Models API's paging): `limit` models (1 to 1000, 20 when
 * absent) immediately after the model `after_id` names, or immediately before the one `before_id`
 * names, or from the start; `has_more`: whether more models lie beyond the page in that direction.
 * Both cursors at once, or a cursor naming no model of the list, is refused (400).
 */
export function anthropicPage(names: string[], query: URLSearchParams): { ids: string[]; hasMore: boolean } {
  const rawLimit = query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null) {
    limit = /^[0-9]{1,4}$/.test(rawLimit) ? Number(rawLimit) : 0;
    if (limit < 1 || limit > MAX_LIMIT) throw badParam('limit', `limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  const after = query.get('after_id') || null;
  const before = query.get('before_id') || null;
  if (after !== null && before !== null) throw badParam('before_id', 'Give after_id or before_id, not both.');
  if (before !== null) {
    const end = cursorAt(names, before, 'before_id');
    const start = Math.max(0, end - limit);
    return { ids: names.slice(start, end), hasMore: start > 0 };
  }
  const start = after === null ? 0 : cursorAt(names, after, 'after_id') + 1;
  const end = Math.min(names.length, start + limit);
  return { ids: names.slice(start, end), hasMore: end < names.length };
}

/** GET /v1/models: `query` is the URL's query string (from its `?`, or empty); only the Anthropic shape pages. */
export function listModels(deps: GatewayDeps, key: KeyRecord, api: ApiShape, res: ServerResponse, query = ''): void {
  const names = [...deps.models.keys()].filter((m) => mayUse(key, m));
  const created = Math.floor(key.createdAt / 1000);
  let body: Record<string, unknown>;
  if (api === 'anthropic') {
    const { ids, hasMore } = anthropicPage(names, new URLSearchParams(query));
    const createdAt = new Date(key.createdAt).toISOString();
    body = {
      data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt })),
      has_more: hasMore,
      first_id: ids[0] ?? null,
      last_id: ids[ids.length - 1] ?? null,
    };
  } else {
    body = {
      object: 'list',
      data: names.map((id) => ({ id, object: 'model', created, owned_by: deps.models.get(id)?.provider.name ?? 'tollgate' })),
    };
  }
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
