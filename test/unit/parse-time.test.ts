/** Times on every report and CLI option: 30d/12h, strict ISO 8601, epoch ms; nothing Date.parse merely guesses. */
import { describe, expect, it } from 'vitest';
import { parseTime, parseWindow } from '../../src/analytics/spend-report.js';

const NOW = Date.UTC(2026, 2, 15, 12);

describe('parseTime', () => {
  it('reads durations, ISO dates and times (UTC unless an offset says otherwise) and epoch ms', () => {
    expect(parseTime('30d', NOW)).toBe(NOW - 30 * 86_400_000);
    expect(parseTime('2026', NOW)).toBe(Date.UTC(2026, 0, 1));
    expect(parseTime('2026-03', NOW)).toBe(Date.UTC(2026, 2, 1));
    expect(parseTime('2026-03-01', NOW)).toBe(Date.UTC(2026, 2, 1));
    expect(parseTime('2026-03-01T09:30', NOW)).toBe(Date.UTC(2026, 2, 1, 9, 30));
    expect(parseTime('2026-03-01 09:30:15', NOW)).toBe(Date.UTC(2026, 2, 1, 9, 30, 15));
    expect(parseTime('2026-03-01T09:30:15.250Z', NOW)).toBe(Date.UTC(2026, 2, 1, 9, 30, 15, 250));
    expect(parseTime('2026-03-01T09:30+02:00', NOW)).toBe(Date.UTC(2026, 2, 1, 7, 30));
    expect(parseTime('1772355600000', NOW)).toBe(1772355600000);
    expect(parseTime(undefined, NOW)).toBeUndefined();
    expect(parseTime(null, NOW)).toBeUndefined();
  });

  it('refuses what Date.parse would guess at, days that do not exist and empty values', () => {
    for (const v of ['foo 5', 'x-1', '5.5', '-1', 'March 7', '2025-02-30', '2026-13-01', '2026-03-01T24:00', '2026-03-01T09:60', '0', '', 'yesterday']) {
      expect(() => parseTime(v, NOW), v).toThrow(/not a time/);
    }
  });

  it('refuses times before 1970, which no ledger holds', () => {
    expect(() => parseTime('1969-12-31T23:30Z', NOW)).toThrow(/before 1970/);
    expect(() => parseTime('0000-01-01', NOW)).toThrow(/before 1970/);
    expect(parseTime('1970-01-01', NOW)).toBe(0);
  });

  it('does not depend on the machine timezone', () => {
    const tz = process.env['TZ'];
    try {
      process.env['TZ'] = 'Asia/Tokyo';
      expect(parseTime('2025-09-02T10:00', NOW)).toBe(Date.UTC(2025, 8, 2, 10));
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
  });

  it('a window runs forward', () => {
    expect(() => parseWindow('2026-02-01', '2026-01-01', NOW)).toThrow(/from must be before to/);
  });
});
