import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/pipeline/context.js';
import { spliceField } from '../../src/providers/json-splice.js';
import { InflightCalls } from '../../src/server/app.js';

describe('digestOf', () => {
  it('is the SHA-256 of the key, the endpoint, a newline and the body', () => {
    for (const [endpoint, body] of [['chat', '{"model":"m","messages":[]}'], ['messages', ''], ['responses', '{"input":"é ✓"}']] as const) {
      const bytes = Buffer.from(body);
      const want = createHash('sha256').update(endpoint).update('\n').update(bytes).digest('hex');
      expect(digestOf(endpoint, bytes)).toBe(want);
      const keyed = createHash('sha256').update('k3y').update(endpoint).update('\n').update(bytes).digest('hex');
      expect(digestOf(endpoint, bytes, 'k3y')).toBe(keyed);
    }
  });
});

describe('spliceField', () => {
  it('adds the field after the opening brace and keeps the rest of the bytes', () => {
    expect(String(spliceField(Buffer.from(' {"a":"é"}'), 'max_tokens', 4096))).toBe('{"max_tokens":4096,"a":"é"}');
    expect(String(spliceField(Buffer.from('{ }'), 'stream_options', { include_usage: true }))).toBe('{"stream_options":{"include_usage":true} }');
    expect(String(spliceField(Buffer.from('{"x":1}'), 'ñ', 'ü'))).toBe('{"ñ":"ü","x":1}');
    expect(spliceField(Buffer.from('[1]'), 'a', 1)).toBeNull();
  });
});

describe('InflightCalls', () => {
  it('counts calls until they settle, rejected ones included, and says when none is left', async () => {
    const calls = new InflightCalls();
    await calls.idle();
    let finish!: () => void;
    let fail!: (e: Error) => void;
    calls.track(new Promise<void>((r) => (finish = r)));
    const failing = new Promise<void>((_, j) => (fail = j));
    calls.track(failing);
    // The rejection still surfaces on the tracked chain; keep it from failing the test run.
    const unhandled = (): void => {};
    process.on('unhandledRejection', unhandled);
    expect(calls.size).toBe(2);
    let idle = false;
    void calls.idle().then(() => (idle = true));
    finish();
    await new Promise((r) => setImmediate(r));
    expect(calls.size).toBe(1);
    expect(idle).toBe(false);
    fail(new Error('boom'));
    await new Promise((r) => setImmediate(r));
    expect(calls.size).toBe(0);
    expect(idle).toBe(true);
    process.off('unhandledRejection', unhandled);
  });
});
