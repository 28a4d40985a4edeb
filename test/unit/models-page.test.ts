import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { anthropicPage } from '../../src/server/models-list.js';

const names = Array.from({ length: 45 }, (_, i) => `m${i}`);
const page = (q: string): { ids: string[]; hasMore: boolean } => anthropicPage(names, new URLSearchParams(q));

describe('anthropicPage (GET /v1/models, Anthropic shape)', () => {
  it('returns 20 models by default and up to 1000 when asked', () => {
    expect(page('')).toEqual({ ids: names.slice(0, 20), hasMore: true });
    expect(page('limit=1000')).toEqual({ ids: names, hasMore: false });
    expect(page('limit=45')).toEqual({ ids: names, hasMore: false });
    expect(page('limit=44').hasMore).toBe(true);
  });

  it('pages forward after after_id and backward before before_id', () => {
    expect(page('after_id=m19')).toEqual({ ids: names.slice(20, 40), hasMore: true });
    expect(page('after_id=m39')).toEqual({ ids: names.slice(40), hasMore: false });
    expect(page('after_id=m44')).toEqual({ ids: [], hasMore: false });
    expect(page('before_id=m25&limit=10')).toEqual({ ids: names.slice(15, 25), hasMore: true });
    expect(page('before_id=m10&limit=10')).toEqual({ ids: names.slice(0, 10), hasMore: false });
    expect(page('before_id=m0')).toEqual({ ids: [], hasMore: false });
    expect(anthropicPage([], new URLSearchParams(''))).toEqual({ ids: [], hasMore: false });
  });

  it('refuses a limit out of range, an unknown cursor and both cursors at once', () => {
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'limit=2.5', 'limit=-1', 'after_id=nope', 'before_id=nope', 'after_id=m1&before_id=m5']) {
      expect(() => page(q), q).toThrow(GatewayError);
    }
  });
});
