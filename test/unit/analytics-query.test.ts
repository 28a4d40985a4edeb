import { describe, expect, it } from 'vitest';
import { analyticsQuery } from '../../src/analytics/analytics-report.js';

const ctx = { now: Date.parse('2026-03-10T12:00:00Z'), timezone: 'UTC', org: 'default', groupByName: '--by', bucketName: '--bucket' };

describe('analyticsQuery', () => {
  it('takes the bucket from group_by or from bucket', () => {
    expect(analyticsQuery({ groupBy: 'team,day', filters: {} }, ctx)).toMatchObject({ groupBy: ['team'], bucket: 'day' });
    expect(analyticsQuery({ groupBy: 'team', bucket: 'week', filters: {} }, ctx)).toMatchObject({ groupBy: ['team'], bucket: 'week' });
  });

  it('names the option that is wrong: a bad bucket is the bucket, not the grouping', () => {
    expect(() => analyticsQuery({ groupBy: 'team', bucket: 'dai', filters: {} }, ctx)).toThrow('--bucket must be one of hour, day, week, month, not "dai"');
    // A dimension is no bucket either.
    expect(() => analyticsQuery({ groupBy: 'team', bucket: 'model', filters: {} }, ctx)).toThrow('--bucket must be one of');
    expect(() => analyticsQuery({ groupBy: 'teem', filters: {} }, ctx)).toThrow('--by must list dimensions');
    expect(() => analyticsQuery({ groupBy: 'team', bucket: 'dai', filters: {} }, { ...ctx, bucketName: undefined })).toThrow('bucket must be one of');
  });
});
