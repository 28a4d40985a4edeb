/** Creating and revoking virtual keys; shared by the admin API and the CLI. */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { KeyRecord, Store } from '../storage/types.js';
import { generateKey } from './virtual-key.js';

export interface NewKeyInput {
  team: string;
  user?: string | null;
  project?: string | null;
  models?: string[] | null;
  name?: string | null;
  /** Exempt from default budgets and rate limits. */
  unlimited?: boolean;
}

/** The secret of the keyed hash: from config or TOLLGATE_KEY_SECRET, else generated once and kept in the store. */
export async function resolveKeySecret(config: Config, store: Store): Promise<string> {
  const configured = config.key_secret ?? process.env['TOLLGATE_KEY_SECRET'];
  if (configured) return configured;
  return store.setMetaIfAbsent('key_secret', randomBytes(32).toString('base64url'));
}

/** Returns the stored record and the key itself, which is never retrievable again. */
export async function createVirtualKey(
  store: Store,
  secret: string,
  input: NewKeyInput,
  now = Date.now(),
): Promise<{ record: KeyRecord; key: string }> {
  // An empty allow-list must not fall through to "no list" (every model): refuse it instead.
  if (input.models && input.models.length === 0) {
    throw new GatewayError('invalid_request', 'An empty model list would allow no model; omit models to allow every model.');
  }
  const { id, key, hash } = generateKey(secret);
  const record: KeyRecord = {
    id,
    hash,
    name: input.name ?? null,
    team: input.team,
    user: input.user ?? null,
    project: input.project ?? null,
    models: input.models ? [...input.models] : null,
    unlimited: input.unlimited === true,
    createdAt: now,
    revokedAt: null,
  };
  await store.insertKey(record);
  return { record, key };
}

/** The public view of a key: everything but its hash. */
export function publicKey(k: KeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    team: k.team,
    user: k.user,
    project: k.project,
    models: k.models,
    unlimited: k.unlimited,
    created_at: new Date(k.createdAt).toISOString(),
    revoked_at: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  };
}
