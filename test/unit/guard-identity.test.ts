/** Which run a call belongs to: header, traceparent, metadata session, or fingerprint. */
import { describe, expect, it } from 'vitest';
import { runIdentity, sessionOf, traceIdOf } from '../../src/guard/index.js';

const openai = (system: string, user: string, more: unknown[] = []) => ({
  model: 'gpt-5-mini',
  messages: [{ role: 'system', content: system }, { role: 'user', content: user }, ...more],
});
const anthropic = (system: string, user: string, more: unknown[] = [], metadata?: Record<string, unknown>) => ({
  model: 'claude-sonnet-4-5',
  system,
  messages: [{ role: 'user', content: [{ type: 'text', text: user }] }, ...more],
  ...(metadata ? { metadata } : {}),
});

describe('run identity', () => {
  it('takes x-tollgate-run first', () => {
    const r = runIdentity({ headers: { 'x-tollgate-run': ' nightly-42 ', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, body: {}, keyId: 'k' });
    expect(r).toEqual({ runId: 'nightly-42', source: 'header' });
  });

  it('then the W3C traceparent trace id', () => {
    const r = runIdentity({ headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, body: openai('s', 'u'), keyId: 'k' });
    expect(r).toEqual({ runId: '4bf92f3577b34da6a3ce929d0e0e4736', source: 'traceparent' });
    expect(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
    expect(traceIdOf('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeNull();
    expect(traceIdOf('not a traceparent')).toBeNull();
  });

  it('then the Claude Code session from metadata.user_id', () => {
    const userId = 'user_2f1b6c0d9e_account_6f0e1d2c-3b4a-4c5d-8e9f-0a1b2c3d4e5f_session_8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a';
    const r = runIdentity({ headers: {}, body: anthropic('s', 'u', [], { user_id: userId }), keyId: 'k' });
    expect(r).toEqual({ runId: '8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a', source: 'metadata' });
  });

  it('reads a JSON user_id with a session_id, else uses the whole user_id', () => {
    expect(sessionOf({ metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: 'sess-1' }) } })).toBe('sess-1');
    expect(sessionOf({ metadata: { user_id: 'alice@example.com' } })).toBe('alice@example.com');
    expect(sessionOf({ metadata: { user_id: '' } })).toBeNull();
    expect(sessionOf({ metadata: {} })).toBeNull();
  });

  it('else fingerprints (key, system prompt, first user message): a growing agent loop stays one run', () => {
    const first = runIdentity({ headers: {}, body: openai('You are a coder.', 'Fix the tests.'), keyId: 'k1' });
    const later = runIdentity({
      headers: {},
      body: openai('You are a coder.', 'Fix the tests.', [
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'read_file', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'file contents' },
      ]),
      keyId: 'k1',
    });
    expect(first.source).toBe('fingerprint');
    expect(later).toEqual(first);
    expect(runIdentity({ headers: {}, body: openai('You are a coder.', 'Fix the tests.'), keyId: 'k2' }).runId).not.toBe(first.runId);
    expect(runIdentity({ headers: {}, body: openai('You are a coder.', 'Fix the build.'), keyId: 'k1' }).runId).not.toBe(first.runId);
  });

  it('fingerprints Anthropic bodies the same way', () => {
    const a = runIdentity({ headers: {}, body: anthropic('Be brief.', 'Hello'), keyId: 'k' });
    const b = runIdentity({ headers: {}, body: anthropic('Be brief.', 'Hello', [{ role: 'assistant', content: 'Hi' }, { role: 'user', content: 'More' }]), keyId: 'k' });
    expect(a.source).toBe('fingerprint');
    expect(a.runId).toBe(b.runId);
    expect(a.runId).toMatch(/^fp_[0-9a-f]{24}$/);
  });
});
