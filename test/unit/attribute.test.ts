/** Attribution headers: run ids and tags are bounded without ever cutting a tag or merging two runs. */
import { describe, expect, it } from 'vitest';
import { attribute, MAX_TAGS } from '../../src/pipeline/attribute.js';
import type { KeyRecord } from '../../src/storage/types.js';

const key: KeyRecord = { id: 'k1', hash: 'h', name: null, team: 'platform', user: 'ada', project: null, models: null, unlimited: false, createdAt: 0, revokedAt: null };

describe('attribute', () => {
  it('keeps whole tags, trimmed and deduplicated, up to MAX_TAGS', () => {
    const many = Array.from({ length: 200 }, (_, i) => `t${i}`).join(', ');
    const tags = attribute(key, { 'x-tollgate-tags': many }).tags!.split(',');
    expect(tags).toHaveLength(MAX_TAGS);
    expect(tags).toEqual(Array.from({ length: MAX_TAGS }, (_, i) => `t${i}`));
    expect(attribute(key, { 'x-tollgate-tags': ' a, b ,a,, ' }).tags).toBe('a,b');
    expect(attribute(key, { 'x-tollgate-tags': ' , ' }).tags).toBeNull();
  });

  it('never merges two long run ids that share their first 200 characters', () => {
    const base = 'r'.repeat(250);
    const a = attribute(key, { 'x-tollgate-run': `${base}-a` }).run!;
    const b = attribute(key, { 'x-tollgate-run': `${base}-b` }).run!;
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(200);
    expect(a.startsWith('r'.repeat(150))).toBe(true);
    // The same long id maps to the same run every time; a short one is kept as sent.
    expect(attribute(key, { 'x-tollgate-run': `${base}-a` }).run).toBe(a);
    expect(attribute(key, { 'x-tollgate-run': ' run-1 ' }).run).toBe('run-1');
  });

  it('bounds a long tag the same way instead of cutting it', () => {
    const long = 'x'.repeat(300);
    const [t] = attribute(key, { 'x-tollgate-tags': `${long},y` }).tags!.split(',');
    expect(t!.length).toBeLessThanOrEqual(200);
    expect(t).not.toBe(long.slice(0, 200));
  });
});
