/** The waste and ROI settings: stated defaults, and a cheap model that must exist. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ROI_SORTS } from '../../src/analytics/roi-report.js';

const models = { providers: { p: { kind: 'openai', base_url: 'http://127.0.0.1:1/v1' } }, models: { small: { provider: 'p' }, large: { provider: 'p', tier: 3 } } };

describe('waste and roi config', () => {
  it('has the defaults the README states, with the oversized rule off', () => {
    const c = configSchema.parse({});
    expect(c.waste).toEqual({ duplicate_window_minutes: 60, retry_window_minutes: 60, oversized: null });
    expect(c.roi).toEqual({ rising: { factor: 1.5, min_usd: 1 }, synthetic: { min_calls: 50, max_prompt_tokens: 64, window_minutes: 60, min_share: 0.25 } });
  });

  it('fills the oversized rule and refuses a cheap model that is not configured', () => {
    const c = configSchema.parse({ ...models, waste: { oversized: { cheap_model: 'small' } } });
    expect(c.waste.oversized).toEqual({ cheap_model: 'small', max_input_tokens: 2000, max_output_tokens: 500, no_reasoning: true });
    const bad = configSchema.safeParse({ ...models, waste: { oversized: { cheap_model: 'tiny' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['waste', 'oversized', 'cheap_model']);
    expect(configSchema.safeParse({ roi: { rising: { factor: 0.5 } } }).success).toBe(false);
  });

  it('offers efficiency first and no ranking by calls or tokens', () => {
    expect(ROI_SORTS[0]).toBe('value_per_dollar');
    expect(ROI_SORTS).not.toContain('calls');
    expect(ROI_SORTS).not.toContain('tokens');
    expect(ROI_SORTS).not.toContain('usage');
  });
});
