import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, keylessProviders, parseConfig } from '../../src/config/load.js';

describe('config', () => {
  it('names the remote providers left without an API key (a local model server may need none)', () => {
    const text = readFileSync(new URL('../../tollgate.example.yaml', import.meta.url), 'utf8');
    expect(keylessProviders(parseConfig(text, { OPENAI_API_KEY: 'sk-1' }).config)).toEqual(['anthropic', 'deepseek']);
    const local = parseConfig('providers:\n  vllm: { kind: openai, base_url: "http://127.0.0.1:8000/v1" }\n  ollama: { kind: openai, base_url: "http://localhost:11434/v1" }\n  far: { kind: openai, base_url: "https://llm.example.com/v1" }\n', {});
    expect(keylessProviders(local.config)).toEqual(['far']);
  });

  it('accepts the example config as written, with keys from the environment', () => {
    const text = readFileSync(new URL('../../tollgate.example.yaml', import.meta.url), 'utf8');
    const { config, missingEnv } = parseConfig(text, { OPENAI_API_KEY: 'sk-1' });
    expect(config.providers['openai']?.api_key).toBe('sk-1');
    expect(config.providers['deepseek']?.base_url).toBe('https://api.deepseek.com/v1');
    expect(config.models['deepseek-chat']?.price?.cached_input_per_mtok).toBe(0.028);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.store).toEqual({ kind: 'sqlite', path: './.tollgate/ledger.db' });
    expect(missingEnv.sort()).toEqual(['ANTHROPIC_API_KEY', 'DEEPSEEK_API_KEY']);
  });

  it('a config with only a store is valid', () => {
    expect(parseConfig('store: { kind: sqlite, path: x.db }', {}).config.models).toEqual({});
  });

  it('fails fast with readable messages', () => {
    expect(() => parseConfig('models:\n  m: { provider: nope }', {})).toThrow(/models\.m\.provider.*"nope"/);
    expect(() => parseConfig('server: { port: "x" }', {})).toThrow(ConfigError);
    expect(() => parseConfig('providers: [', {})).toThrow(/not valid YAML/);
    expect(() => parseConfig('surprise: 1', {})).toThrow(/surprise/);
  });

  it('refuses a non-zero budget limit below one nano-dollar (it would round to $0), accepts zero and one nano-dollar', () => {
    const budget = (usd: number): string => `budgets: [{ scope: "team:a", limit_usd: ${usd} }]`;
    expect(() => parseConfig(budget(1e-12), {})).toThrow(/limit_usd.*one nano-dollar/);
    expect(() => parseConfig(`defaults: { key_budget: { limit_usd: 1e-12, period: day } }`, {})).toThrow(/defaults\.key_budget\.limit_usd.*one nano-dollar/);
    expect(parseConfig(budget(0), {}).config.budgets[0]?.limit_usd).toBe(0);
    expect(parseConfig(budget(1e-9), {}).config.budgets[0]?.limit_usd).toBe(1e-9);
  });

  it('takes the admin key from TOLLGATE_ADMIN_KEY', () => {
    expect(parseConfig('{}', { TOLLGATE_ADMIN_KEY: 'a-long-admin-key' }).config.admin_key).toBe('a-long-admin-key');
  });

  it('refuses an admin key shorter than 12 characters, from the config or the environment', () => {
    expect(() => parseConfig('{}', { TOLLGATE_ADMIN_KEY: '1234' })).toThrow(/at least 12 characters/);
    expect(() => parseConfig('admin_key: "1234"', {})).toThrow(/at least 12 characters/);
  });
});
