import { describe, expect, it } from 'vitest';
import { nearestModel } from '../../src/policy/model-names.js';

const models = ['gpt-5-mini', 'text-embedding-3-small', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'deepseek-chat'];

describe('nearestModel', () => {
  it('names the configured model a typo, another case or a shorter or dated name meant', () => {
    expect(nearestModel('gpt-5-mni', models)).toBe('gpt-5-mini');
    expect(nearestModel('GPT-5-Mini', models)).toBe('gpt-5-mini');
    expect(nearestModel('claude-haiku', models)).toBe('claude-haiku-4-5');
    expect(nearestModel('claude-haiku-4-5-20251001', models)).toBe('claude-haiku-4-5');
    expect(nearestModel('deepseek-chta', models)).toBe('deepseek-chat');
  });

  it('says nothing when no model is near', () => {
    expect(nearestModel('gpt-4o', models)).toBeNull();
    expect(nearestModel('llama-3-70b', models)).toBeNull();
    expect(nearestModel('gp', models)).toBeNull();
    expect(nearestModel('gpt-5-mini', [])).toBeNull();
  });
});
