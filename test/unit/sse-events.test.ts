import { describe, expect, it } from 'vitest';
import { EventNeedles, markEvents, markEventsAll, markMember, NATIVE_SEARCH_FROM, SseEventTooLargeError, SseSplitter } from '../../src/providers/sse-events.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream.js';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream.js';

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** 1-6 `data:` events of random parts, back to back in one read, and a view of each. */
function randomEvents(rand: () => number, parts: string[]): { count: number; whole: Buffer; views: Buffer[] } {
  const count = 1 + Math.floor(rand() * 6);
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    let body = '';
    for (let k = Math.floor(rand() * 8); k > 0; k--) body += parts[Math.floor(rand() * parts.length)];
    texts.push(`data: ${body}\n\n`);
  }
  const whole = Buffer.from(texts.join(''));
  const views: Buffer[] = [];
  let at = 0;
  for (const t of texts) views.push(whole.subarray(at, (at += Buffer.byteLength(t))));
  return { count, whole, views };
}

/**
 * The specification of a needle's match: its bytes, with JSON blanks (spaces, tabs) allowed around
 * the colon after its key, followed when `nonEmpty` by a byte other than `"`.
 */
function referenceHas(ev: Buffer, needle: Buffer, nonEmpty: boolean): boolean {
  const text = needle.toString('latin1');
  const close = text.indexOf('"', 1);
  const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = text[close + 1] === ':' ? `${esc(text.slice(0, close + 1))}[ \t]*:[ \t]*${esc(text.slice(close + 2))}` : esc(text);
  return new RegExp(source + (nonEmpty ? '(?!")' : ''), 's').test(ev.toString('latin1'));
}

/** The specification: an event ends at the earliest "\n\n" or "\r\n\r\n", searched for as sequences. */
function referenceSplit(buf: Buffer): { events: string[]; rest: string } {
  const events: string[] = [];
  let start = 0;
  for (;;) {
    const lf = buf.indexOf('\n\n', start);
    const crlf = buf.indexOf('\r\n\r\n', start);
    let end: number;
    if (lf >= 0 && (crlf < 0 || lf < crlf)) end = lf + 2;
    else if (crlf >= 0) end = crlf + 4;
    else break;
    events.push(buf.toString('latin1', start, end));
    start = end;
  }
  return { events, rest: buf.toString('latin1', start) };
}

const PIECES = ['data: {"a":1}', '\n', '\r', '\r\n', '\n\n', '\r\n\r\n', 'x', 'event: e', ':', ' '];

describe('SseSplitter', () => {
  it('splits exactly where the earliest blank line of either framing ends, however the bytes are chunked', () => {
    const rand = rng(7);
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const parts = 1 + Math.floor(rand() * 30);
      for (let i = 0; i < parts; i++) text += PIECES[Math.floor(rand() * PIECES.length)];
      const bytes = Buffer.from(text, 'latin1');
      const want = referenceSplit(bytes);
      const sse = new SseSplitter();
      const got: string[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 8);
        const { events, whole } = sse.push(bytes.subarray(i, i + n));
        expect(Buffer.concat(events).equals(whole)).toBe(true);
        for (const ev of events) got.push(ev.toString('latin1'));
        i += n;
      }
      const rest = sse.flush()?.toString('latin1') ?? '';
      expect({ events: got, rest }).toEqual(want);
    }
  });
});

describe('SseSplitter bounds', () => {
  it('holds an event arriving in many reads until it ends, then gives it whole', () => {
    const sse = new SseSplitter(1 << 20);
    const body = `data: {"text":"${'y'.repeat(100_000)}"}`;
    const bytes = Buffer.from(`${body}\n\ndata: [DONE]\n\n`);
    const got: string[] = [];
    for (let i = 0; i < bytes.length; i += 1000) for (const ev of sse.push(bytes.subarray(i, i + 1000)).events) got.push(ev.toString());
    expect(got).toEqual([`${body}\n\n`, 'data: [DONE]\n\n']);
    expect(sse.flush()).toBeNull();
  });

  it('refuses an event that grows past its bound without ending', () => {
    const sse = new SseSplitter(10_000);
    const piece = Buffer.alloc(4000, 0x61);
    sse.push(Buffer.from('data: '));
    sse.push(piece);
    sse.push(piece);
    expect(() => sse.push(piece)).toThrow(SseEventTooLargeError);
  });
});

describe('markEvents', () => {
  it('marks the same events as searching each event on its own', () => {
    const rand = rng(11);
    const needle = Buffer.from('"content":"');
    const bodies = [
      '{"content":"a"}',
      '{"content":""}',
      '{"x":1}',
      '{"content":"","content":"b"}',
      '{"content":""}{"content":"c"}',
      // As Python's json.dumps writes it, and other blanks JSON allows around a colon.
      '{"content": "a"}',
      '{"content" : ""}',
      '{"content":\t"b"}',
      '{"content" "c"}',
      '{"content":  ""}{"content" :"d"}',
    ];
    for (let round = 0; round < 500; round++) {
      const texts: string[] = [];
      const count = 1 + Math.floor(rand() * 12);
      for (let i = 0; i < count; i++) texts.push(`data: ${bodies[Math.floor(rand() * bodies.length)]}\n\n`);
      const events = texts.map((t) => Buffer.from(t));
      const whole = Buffer.concat(events);
      const views: Buffer[] = [];
      let at = 0;
      for (const ev of events) views.push(whole.subarray(at, (at += ev.length)));
      for (const nonEmpty of [true, false]) {
        const marks = new Uint8Array(count);
        markEvents(whole, views, needle, nonEmpty, marks, 4);
        const want = views.map((ev) => (referenceHas(ev, needle, nonEmpty) ? 4 : 0));
        expect([...marks]).toEqual(want);
      }
    }
  });
});

describe('markEventsAll', () => {
  it('marks what markEvents marks for each of its needles', () => {
    const rand = rng(17);
    const specs = [
      { bytes: Buffer.from('"usage":{'), nonEmpty: false, bit: 1 },
      { bytes: Buffer.from('"content":"'), nonEmpty: true, bit: 2 },
      { bytes: Buffer.from('"arguments":"'), nonEmpty: true, bit: 4 },
      { bytes: Buffer.from('"reasoning_content":"'), nonEmpty: true, bit: 8 },
    ];
    const needles = new EventNeedles(specs);
    const parts = ['{', '}', '"usage":{', '"usage":null', '"content":"', '"content":""', '"content":"content":"', '"arguments":"x', '"reasoning_content":', '"', 'a', ',', ':', '"c', '"us', 'age":{', ' ', '\t', '"usage": {', '"content" : "', '"content": ""', '"arguments":  "'];
    for (let round = 0; round < 2000; round++) {
      const { count, whole, views } = randomEvents(rand, parts);
      const want = new Uint8Array(count);
      for (const s of specs) markEvents(whole, views, s.bytes, s.nonEmpty, want, s.bit);
      const got = new Uint8Array(count);
      markEventsAll(whole, views, needles, got);
      expect([...got]).toEqual([...want]);
      const spec = views.map((ev) => specs.reduce((m, n) => m | (referenceHas(ev, n.bytes, n.nonEmpty) ? n.bit : 0), 0));
      expect([...got]).toEqual(spec);
    }
  });

  it('marks the same in a read large enough to be searched natively', () => {
    const rand = rng(29);
    const specs = [
      { bytes: Buffer.from('"usage":{'), nonEmpty: false, bit: 1 },
      { bytes: Buffer.from('"content":"'), nonEmpty: true, bit: 2 },
    ];
    const needles = new EventNeedles(specs);
    const parts = ['"usage":{', '"usage":null', '"content":"', '"content":""', 'a', ',', '"usage" : {', '"content": "', '"content": ""', ' '];
    for (let round = 0; round < 50; round++) {
      const texts = [`data: {"pad":"${'x'.repeat(NATIVE_SEARCH_FROM)}"}\n\n`];
      for (let i = 0; i < 20; i++) {
        let body = '';
        for (let k = Math.floor(rand() * 6); k > 0; k--) body += parts[Math.floor(rand() * parts.length)];
        texts.push(`data: ${body}\n\n`);
      }
      const whole = Buffer.from(texts.join(''));
      const views: Buffer[] = [];
      let at = 0;
      for (const t of texts) views.push(whole.subarray(at, (at += Buffer.byteLength(t))));
      const want = new Uint8Array(texts.length);
      for (const s of specs) markEvents(whole, views, s.bytes, s.nonEmpty, want, s.bit);
      const got = new Uint8Array(texts.length);
      markEventsAll(whole, views, needles, got);
      expect([...got]).toEqual([...want]);
      expect(want.some((m) => m !== 0)).toBe(true);
    }
  });

  it('refuses a needle that does not start with a quote', () => {
    expect(() => new EventNeedles([{ bytes: Buffer.from('usage'), nonEmpty: false, bit: 1 }])).toThrow();
  });
});

describe('markMember', () => {
  it('marks the events whose member is an object, or null, as the needle spec says', () => {
    const rand = rng(41);
    const parts = ['{', '}', '"usage":{', '"usage":null', '"usage": null', '"usage" :\t{', '"usage":nul', '"usage":"x"', 'usage":{', '\\"usage\\":{', '"us', 'age":{', '"', 'a', ',', ':', ' ', 'null'];
    const objectNeedle = Buffer.from('"usage":{');
    const nullNeedle = Buffer.from('"usage":null');
    for (let round = 0; round < 2000; round++) {
      const { count, whole, views } = randomEvents(rand, parts);
      const got = new Uint8Array(count);
      markMember(whole, views, Buffer.from('usage"'), got, 1, 2);
      const spec = views.map((ev) => (referenceHas(ev, objectNeedle, false) ? 1 : 0) | (referenceHas(ev, nullNeedle, false) ? 2 : 0));
      expect([...got]).toEqual(spec);
    }
  });
});

describe('OpenAIStreamMeter', () => {
  it('counts generating events, keeps usage and forwards the same bytes however the stream is chunked', () => {
    const rand = rng(3);
    const kinds = [
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null}\n\n',
      'data: {"choices":[{"index":0,"delta":{"content":"word "}}],"usage":null}\n\n',
      'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"q\\""}}]}}],"usage":null}\n\n',
      'data: {"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}],"usage":null}\n\n',
      'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n',
    ];
    const usage = 'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}}\n\n';
    for (let round = 0; round < 300; round++) {
      const picked: number[] = [];
      const count = Math.floor(rand() * 20);
      for (let i = 0; i < count; i++) picked.push(Math.floor(rand() * kinds.length));
      const text = picked.map((k) => kinds[k]).join('') + usage + 'data: [DONE]\n\n';
      const bytes = Buffer.from(text);
      const forwardUsage = rand() < 0.5;
      const meter = new OpenAIStreamMeter(forwardUsage);
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 400);
        const o = meter.push(bytes.subarray(i, i + n));
        if (o) out.push(o);
        i += n;
      }
      const tail = meter.flush();
      if (tail) out.push(tail);
      // A client that did not ask gets neither the usage chunk nor the `"usage":null` asking put on every chunk.
      expect(Buffer.concat(out).toString()).toBe(forwardUsage ? text : text.replace(usage, '').replaceAll(',"usage":null', ''));
      expect(meter.generatedDeltas()).toBe(picked.filter((k) => k >= 1 && k <= 3).length);
      expect(meter.metered()).toMatchObject({ complete: true, usage: { input: 9, output: 4 } });
    }
  });

  it('tells whether the generated deltas passed a cap exactly, however many other events came', () => {
    const rand = rng(43);
    const delta = 'data: {"choices":[{"index":0,"delta":{"content":"w"}}],"usage":null}\n\n';
    const other = 'data: {"choices":[{"index":0,"delta":{}}],"usage":null}\n\n';
    for (let round = 0; round < 300; round++) {
      const events = Array.from({ length: Math.floor(rand() * 30) }, () => (rand() < 0.5 ? delta : other));
      const bytes = Buffer.from(events.join(''));
      const cap = Math.floor(rand() * 20);
      const meter = new OpenAIStreamMeter(true);
      const reference = new OpenAIStreamMeter(true);
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 200);
        meter.push(bytes.subarray(i, i + n));
        reference.push(bytes.subarray(i, i + n));
        i += n;
        // Asked after every push, as the relay does; the reference counts every event outright.
        expect(meter.generatedMoreThan(cap)).toBe(reference.generatedDeltas() > cap);
      }
      expect(meter.generatedDeltas()).toBe(events.filter((e) => e === delta).length);
    }
  });
});

describe('AnthropicStreamMeter', () => {
  it('meters the same however many events a push brings', () => {
    const events = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"grep","input":{}}}\n\n',
      ...Array.from({ length: 12 }, (_, i) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"${i}"}}\n\n`),
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const bytes = Buffer.from(events);
    const rand = rng(5);
    for (let round = 0; round < 100; round++) {
      const meter = new AnthropicStreamMeter();
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 700);
        out.push(meter.push(bytes.subarray(i, i + n)) ?? Buffer.alloc(0));
        i += n;
      }
      expect(Buffer.concat(out).equals(bytes)).toBe(true);
      expect(meter.generatedDeltas()).toBe(12);
      expect(meter.metered()).toEqual({ complete: true, promptKnown: true, serviceTier: null, usage: { input: 5, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 12, reasoning: 0 } });
      expect(meter.output().toolCalls).toEqual([{ name: 'grep', arguments: '01234567891011' }]);
    }
  });
});
