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

export function listModels(deps: GatewayDeps, key: KeyRecord, api: ApiShape, res: ServerResponse): void {
  const names = [...deps.models.keys()].filter((m) => mayUse(key, m));
  const created = Math.floor(key.createdAt / 1000);
  const body =
    api === 'anthropic'
      ? {
          data: names.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(key.createdAt).toISOString() })),
          has_more: false,
          first_id: names[0] ?? null,
          last_id: names[names.length - 1] ?? null,
        }
      : {
          object: 'list',
          data: names.map((id) => ({ id, object: 'model', created, owned_by: deps.models.get(id)?.provider.name ?? 'tollgate' })),
        };
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
