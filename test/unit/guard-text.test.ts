/** Normalisation, sketches, tool-call keys and acknowledgements: the guard's view of text. */
import { describe, expect, it } from 'vitest';
import { canonicalToolCall, hammingDistance, normaliseText, sketchSimilarity, sketchText, toolCallsKey } from '../../src/guard/index.js';
import { isAffirmation } from '../../src/guard/affirmation.js';
import { digestOutput, digestRequest } from '../../src/guard/digest.js';
import { Sketcher } from '../../src/guard/sketch.js';
import { Words } from './guard-driver.js';

const words = new Words(21);

describe('normalisation', () => {
  it('lowercases, collapses whitespace and replaces ids, numbers, uuids and timestamps', () => {
    expect(normaliseText('  Job 4f2a-91 at 2024-01-05T10:32:07Z is   RUNNING;\n id=550e8400-e29b-41d4-a716-446655440000 ok ')).toBe('job # at # is running id # ok');
    expect(normaliseText('Ran 120 tests in 3.52s: 118 passed')).toBe('ran # tests in # passed');
    expect(normaliseText('Grüße, Zoë!')).toBe('grüße zoë');
    expect(normaliseText(`blob ${'a'.repeat(60)} end`)).toBe('blob # end');
  });

  it('gives the same sketch to texts that normalise the same', () => {
    const a = 'Request req_9f8e7d6c5b took 231ms at 2025-06-01T10:00:00Z. Status: RUNNING';
    const b = 'request req_1a2b3c4d5e took 87ms at 2025-06-02T11:30:00Z.   status: running';
    expect(sketchText(a)).toEqual(sketchText(b));
  });
});

describe('sketches', () => {
  it('are close for near-duplicates and far for unrelated texts', () => {
    const base = words.text(200);
    const edited = base.replace(/\b(\w+)\b/, 'changed');
    expect(sketchSimilarity(sketchText(base), sketchText(edited))).toBeGreaterThanOrEqual(0.9);
    let maxUnrelated = 0;
    for (let i = 0; i < 50; i++) maxUnrelated = Math.max(maxUnrelated, sketchSimilarity(sketchText(words.text(80)), sketchText(words.text(80))));
    expect(maxUnrelated).toBeLessThan(0.85);
    expect(hammingDistance(sketchText(base), sketchText(base))).toBe(0);
  });

  it('sketch only the new part of a request: the last assistant turn and what follows', () => {
    const tail = [
      { role: 'assistant', content: null, tool_calls: [{ id: 't9', type: 'function', function: { name: 'run_tests', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't9', content: 'FAILED test_parse' },
    ];
    const short = [{ role: 'user', content: 'Fix it.' }, ...tail];
    const long = [{ role: 'user', content: 'Fix it.' }, ...Array.from({ length: 200 }, () => ({ role: 'assistant', content: words.text(50) })), ...tail];
    const a = digestRequest(short);
    const b = digestRequest(long);
    expect(b.sketch).toEqual(a.sketch);
    expect(b.words).toBe(a.words);
    expect(a.fresh).toBe(false);
    expect(digestRequest([{ role: 'system', content: 'x' }, { role: 'user', content: 'hello there' }]).fresh).toBe(true);
  });

  it('read Anthropic content blocks (text, tool_use, tool_result) like OpenAI messages', () => {
    const openai = digestRequest([
      { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'grep', arguments: '{"q":"x"}' } }] },
      { role: 'tool', tool_call_id: 't', content: 'src/a.ts:1: x' },
    ]);
    const anthropic = digestRequest([
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'grep', input: { q: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'src/a.ts:1: x' }] }] },
    ]);
    expect(anthropic.sketch).toEqual(openai.sketch);
  });
});

describe('bounded work (no timing: what is read does not grow with the prompt)', () => {
  it('reads only the head and tail of a huge message', () => {
    const head = words.text(500);
    const tail = words.text(500);
    const middle = (n: number) => Array.from({ length: n }, () => words.word()).join(' ');
    const a = digestRequest([{ role: 'user', content: `${head} ${middle(1_000)} ${tail}` }]);
    const b = digestRequest([{ role: 'user', content: `${head} ${middle(100_000)} ${tail}` }]);
    expect(b.sketch).toEqual(a.sketch);
    expect(b.words).toBe(a.words);
  });

  it('stops reading a request after its budget however many new messages it has', () => {
    const many = Array.from({ length: 2_000 }, () => ({ role: 'tool', content: words.text(100) }));
    const more = [...many, ...Array.from({ length: 2_000 }, () => ({ role: 'tool', content: words.text(100) }))];
    expect(digestRequest(more).words).toBe(digestRequest(many).words);
  });

  it('touches only the messages after the last assistant turn', () => {
    let touched = 0;
    const history = Array.from({ length: 5_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' }));
    const messages = new Proxy([...history, { role: 'assistant', content: 'done' }, { role: 'user', content: 'next' }], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) touched++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    digestRequest(messages);
    expect(touched).toBeLessThan(10);
  });

  it('caps the words a sketch takes in', () => {
    const s = new Sketcher().reset();
    for (let i = 0; i < 100; i++) s.add(words.text(1_000));
    expect(s.wordCount).toBeLessThanOrEqual(16_384);
  });
});

describe('tool calls and acknowledgements', () => {
  it('canonicalises arguments: key order, whitespace, fresh ids', () => {
    const a = toolCallsKey([{ name: 'read_file', arguments: '{"path":"a.ts","request_id":"550e8400-e29b-41d4-a716-446655440000","opts":{"b":1,"a":2}}' }]);
    const b = toolCallsKey([{ name: 'read_file', arguments: '{ "opts": {"a": 2, "b": 1}, "path": "a.ts", "request_id": "req_8f3k2LmQ9x1zAa77bcd9" }' }]);
    expect(a).toBe(b);
    expect(toolCallsKey([{ name: 'read_file', arguments: '{"path":"b.ts"}' }])).not.toBe(a);
    expect(toolCallsKey([])).toBeNull();
    expect(canonicalToolCall({ name: 'x', arguments: 'not json ' })).toBe('x(not json)');
  });

  it('recognises short affirmations, not substance', () => {
    for (const t of ['Confirmed.', 'I agree, looks good to me!', 'Thanks for confirming, we are aligned.', 'LGTM', 'Approved — nothing further to add.']) {
      expect(isAffirmation(t, 24), t).toBe(true);
    }
    for (const t of ['The parser fails on nested arrays because the lexer skips the closing bracket.', 'Agreed: we ship the migration on Tuesday after the index is built and verified by the DBA team.']) {
      expect(isAffirmation(t, 24), t).toBe(false);
    }
    const out = digestOutput('Confirmed. As agreed: the index ships Tuesday.', [], 24);
    expect(out.affirmation).toBe(false);
    expect(digestOutput('Great, thanks! All set.', [], 24).affirmation).toBe(true);
  });
});
