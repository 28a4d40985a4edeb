import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { catalogueRates, resolveRates } from '../../src/pricing/catalogue.js';
import { resolveModelRates } from '../../src/pricing/model-rates.js';

const config = parseConfig(
  `
providers:
  openai: { kind: openai, base_url: https://api.openai.com/v1, api_key: sk-1 }
  anthropic: { kind: anthropic, base_url: https://api.anthropic.com, api_key: sk-2 }
  local: { kind: openai, base_url: http://localhost:1/v1, api_key: x }
models:
  cheap: { provider: openai, upstream_model: gpt-5-mini }
  sonnet: { provider: anthropic, upstream_model: claude-sonnet-4-5 }
  mine: { provider: local, price: { input_per_mtok: 0.28, output_per_mtok: 0.42 } }
  nobody: { provider: local, upstream_model: totally-unknown-model-xyz }
`,
  {},
).config;

describe('model rates resolved at start', () => {
  it('looks catalogue models up in a worker with the same answer as the in-process lookup', async () => {
    const rates = await resolveModelRates(config);
    expect([...rates.keys()]).toEqual(['cheap', 'sonnet', 'mine', 'nobody']);
    for (const [name, m] of Object.entries(config.models)) {
      const p = config.providers[m.provider]!;
      expect(rates.get(name)).toEqual(resolveRates(name, m, { ...p, name: m.provider }));
    }
    expect(rates.get('cheap')?.source).toBe('catalogue');
    // Long-context tiers survive the trip from the worker.
    expect(rates.get('sonnet')).toEqual(catalogueRates('claude-sonnet-4-5', { ...config.providers['anthropic']!, name: 'anthropic' }));
    expect(typeof rates.get('sonnet')?.input).toBe('object');
    expect(rates.get('mine')?.source).toBe('config');
    expect(rates.get('nobody')).toBeNull();
  });

  it('needs no catalogue when config prices every model', async () => {
    const rates = await resolveModelRates({ providers: config.providers, models: { mine: config.models['mine']! } });
    expect(rates.get('mine')).toMatchObject({ input: 0.28, output: 0.42, source: 'config' });
  });
});
