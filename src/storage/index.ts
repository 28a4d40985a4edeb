/** Open the store a config names. */
import type { Config } from '../config/schema.js';
import { SqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export async function openStore(config: Config['store']): Promise<Store> {
  if (config.kind !== 'sqlite') throw new Error(`store kind ${config.kind} is not available yet`);
  const store = new SqliteStore(config.path);
  await store.migrate();
  return store;
}
