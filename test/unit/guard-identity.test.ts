/** Which run a call belongs to: header, traceparent, metadata session, or fingerprint. */
import { describe, expect, it } from 'vitest';
import { callStartFromBody, digestRequest, newRunState, runIdentity, sessionOf, traceIdOf } from '../../src/guard/index.js';
import { attribute } from '../../src/pipeline/attribute.js';
import type { KeyRecord } from '../../src/storage/types.js';

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

  it('bounds a long run id exactly as attribution does: two ids sharing a long prefix stay two runs', () => {
    const key: KeyRecord = { id: 'k', hash: 'h', name: null, team: 't', user: null, project: null, models: null, unlimited: false, createdAt: 0, revokedAt: null };
    const prefix = 'a'.repeat(150);
    const ids = new Set<string>();
    for (const tail of ['b'.repeat(156), 'c'.repeat(156), 'd'.repeat(20)]) {
      const headers = { 'x-tollgate-run': `${prefix}${tail}` };
      const { runId } = runIdentity({ headers, body: {}, keyId: 'k' });
      // One id for the guard, the ledger and run:* budgets; the run state keeps it whole.
      expect(runId).toBe(attribute(key, headers).run);
      expect(runId.length).toBeLessThanOrEqual(200);
      expect(newRunState(runId, 0).runId).toBe(runId);
      ids.add(runId);
    }
    expect(ids.size).toBe(3);
    // A long metadata session is bounded the same way, not clipped.
    const session = `${prefix}${'e'.repeat(100)}`;
    const other = `${prefix}${'f'.repeat(100)}`;
    const of = (user_id: string): string => runIdentity({ headers: {}, body: { metadata: { user_id } }, keyId: 'k' }).runId;
    expect(of(session)).not.toBe(of(other));
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

  it('fingerprints Responses API bodies by instructions and first input, whether the input is a string or items', () => {
    const asString = runIdentity({ headers: {}, body: { model: 'gpt-5', instructions: 'You are a coder.', input: 'Fix the tests.' }, keyId: 'k' });
    const asItems = runIdentity({
      headers: {},
      body: {
        model: 'gpt-5',
        instructions: 'You are a coder.',
        input: [
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the tests.' }] },
          { type: 'function_call', call_id: 'c1', name: 'read_file', arguments: '{"path":"a.ts"}' },
          { type: 'function_call_output', call_id: 'c1', output: 'file contents' },
        ],
      },
      keyId: 'k',
    });
    expect(asString.source).toBe('fingerprint');
    expect(asItems).toEqual(asString);
    // The same start as a chat call with that system prompt: one agent, one run, whichever API it uses.
    expect(runIdentity({ headers: {}, body: openai('You are a coder.', 'Fix the tests.'), keyId: 'k' })).toEqual(asString);
    expect(runIdentity({ headers: {}, body: { model: 'gpt-5', instructions: 'You are a coder.', input: 'Fix the build.' }, keyId: 'k' }).runId).not.toBe(asString.runId);
  });
});

describe('Responses API bodies in the run guard', () => {
  it('describe a call with input items as messages and instructions as the system prompt', () => {
    const start = callStartFromBody({ callId: 'c', at: 0, agent: null, parent: null, body: { model: 'gpt-5', instructions: 'Be brief.', input: 'Hello' }, promptBytes: 10 });
    expect(start).toMatchObject({ model: 'gpt-5', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
    expect(digestRequest(start.messages)).toMatchObject({ fresh: true });
    expect(digestRequest(start.messages).words).toBeGreaterThan(0);
  });

  it('digest the new part from the last tool calls on: the calls and their outputs, the history before them left out', () => {
    const history = [
      { role: 'user', content: [{ type: 'input_text', text: 'Fix the tests please' }] },
      { type: 'function_call', call_id: 'c0', name: 'list_files', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c0', output: 'a.ts b.ts' },
    ];
    const step = [
      { type: 'function_call', call_id: 'c1', name: 'read_file', arguments: '{"path":"a.ts"}' },
      { type: 'function_call', call_id: 'c2', name: 'read_file', arguments: '{"path":"b.ts"}' },
      { type: 'function_call_output', call_id: 'c1', output: 'export const a = 1' },
      { type: 'function_call_output', call_id: 'c2', output: 'export const b = 2' },
    ];
    const later = digestRequest([...history, ...step]);
    expect(later.fresh).toBe(false);
    // Only the last step is read: the same step after a different history digests the same.
    expect(digestRequest([{ role: 'user', content: 'Something else entirely' }, ...step])).toEqual(later);
    // Both parallel calls and both outputs count.
    const withoutFirstCall = digestRequest([...history, ...step.slice(1)]);
    expect(withoutFirstCall.words).toBeLessThan(later.words);
    expect(digestRequest([...history, ...step.slice(0, 3)]).words).toBeLessThan(later.words);
  });
});
