/** Load tollgate.yaml: read, substitute ${ENV_VARS}, validate, fail fast with a readable message. */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { configSchema, MIN_ADMIN_KEY, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Replace ${VAR} (and ${VAR:-default}) in every string of the parsed document. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, dflt?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (dflt === undefined) missing.add(name);
      return dflt ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => substituteEnv(v, env, missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, missing);
    return out;
  }
  return value;
}

export interface LoadedConfig {
  config: Config;
  /** Environment variables the file refers to that are not set (their values became ""). */
  missingEnv: string[];
  /** The file read, or null when none was found and the defaults apply. */
  file?: string | null;
}

export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): LoadedConfig {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const missing = new Set<string>();
  // An unset variable in the store's path or URL would open (or create) a ledger somewhere else:
  // "${DATA}/ledger.db" becomes "/ledger.db". Refused, where a missing provider key only warns.
  const storeMissing = new Set<string>();
  substituteEnv((doc as { store?: unknown }).store, env, storeMissing);
  if (storeMissing.size > 0) throw new ConfigError(`${source}: store names ${[...storeMissing].map((n) => '${' + n + '}').join(', ')}, which is not set`);
  const result = configSchema.safeParse(substituteEnv(doc, env, missing));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`${source} is invalid:\n${lines.join('\n')}`);
  }
  const config = result.data;
  config.admin_key ??= env['TOLLGATE_ADMIN_KEY'] || undefined;
  if (config.admin_key !== undefined && config.admin_key.length < MIN_ADMIN_KEY) {
    throw new ConfigError(`${source}: the admin key (admin_key or TOLLGATE_ADMIN_KEY) must be at least ${MIN_ADMIN_KEY} characters: a short one is guessed in seconds`);
  }
  return { config, missingEnv: [...missing] };
}

/**
 * A relative SQLite path in a config file means relative to that file, not to wherever the command runs
 * (`cd sub && tollgate keys list -c ../tollgate.yaml` must open the same ledger as from the file's own
 * directory). This includes the default path when the file names no store.
 */
export function resolvePaths(config: Config, file: string): void {
  const store = config.store;
  // A new object: the schema's default may be one shared instance.
  if (store.kind === 'sqlite' && store.path !== ':memory:' && !isAbsolute(store.path)) config.store = { ...store, path: resolve(dirname(file), store.path) };
}

/** Read a config file; a missing default file yields the defaults (enough for offline commands). */
export async function loadConfig(path: string, opts: { required?: boolean } = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !opts.required) return { ...parseConfig('{}'), file: null };
    throw new ConfigError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  const loaded = parseConfig(text, process.env, path);
  resolvePaths(loaded.config, path);
  return { ...loaded, file: path };
}

/**
 * Providers with no API key that are not on this machine (a local model server may need none): the
 * provider will refuse their calls, which clients see as 502s. Named at start so the cause is plain.
 */
export function keylessProviders(config: Config): string[] {
  return Object.entries(config.providers)
    .filter(([, p]) => p.api_key === '' && !isLoopback(p.base_url))
    .map(([name]) => name);
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}
