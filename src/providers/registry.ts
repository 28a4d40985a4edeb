/**
 * Providers at run time: one adapter per kind, one pooled undici connection pool per configured
 * provider, with connect / first-byte / idle timeouts from config.
 */
import { Pool } from 'undici';
import type { ProviderConfig } from '../config/schema.js';
import type { ApiShape, ProviderAdapter } from './types.js';
import { openaiAdapter } from './openai/index.js';
import { anthropicAdapter } from './anthropic/index.js';

const ADAPTERS: Record<ApiShape, ProviderAdapter> = { openai: openaiAdapter, anthropic: anthropicAdapter };

export interface ProviderRuntime {
  name: string;
  config: ProviderConfig;
  adapter: ProviderAdapter;
  pool: Pool;
  /** The path part of base_url, without a trailing slash ("/v1" for https://api.openai.com/v1). */
  basePath: string;
  /** Where an injected output bound goes: OpenAI's reasoning models want max_completion_tokens. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

export function createProviders(configs: Record<string, ProviderConfig>): Map<string, ProviderRuntime> {
  const out = new Map<string, ProviderRuntime>();
  for (const [name, config] of Object.entries(configs)) {
    const url = new URL(config.base_url);
    const pool = new Pool(url.origin, {
      connections: config.connections,
      connect: { timeout: config.timeouts.connect_ms },
      headersTimeout: config.timeouts.first_byte_ms,
      bodyTimeout: config.timeouts.idle_ms,
      keepAliveTimeout: 30_000,
    });
    out.set(name, {
      name,
      config,
      adapter: ADAPTERS[config.kind],
      pool,
      basePath: url.pathname.replace(/\/+$/, ''),
      maxTokensField: config.max_tokens_field ?? (url.hostname === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens'),
    });
  }
  return out;
}

export async function closeProviders(providers: Map<string, ProviderRuntime>): Promise<void> {
  await Promise.all([...providers.values()].map((p) => p.pool.close()));
}
