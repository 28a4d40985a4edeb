// Streams relayed from a scripted upstream: the client gets the provider's exact bytes and the ledger
// every token class however the bytes are split; a cut stream and a client that stops reading, then
// leaves, are billed an estimate.
import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

type Script = (res: ServerResponse) => void;
let upstream: Server;
let script: Script = () => undefined;
let upstreamClosedEarly = 0;
let s: Stack;
let key: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.on('close', () => {
        if (!res.writableFinished) upstreamClosedEarly++;
      });
      script(res);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  s = await startStack({
    config: (base) => {
      const b = base as { providers: Record<string, { base_url: string }> };
      b.providers['openai']!.base_url = `${url}/v1`;
      b.providers['anthropic']!.base_url = url;
      return base;
    },
  });
  key = await s.createKey({ team: 'platform' });
});
afterAll(async () => {
  await s.close();
  upstream.close();
});

const sse = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const chunk = (content: string): string => sse({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] });
const usageEv = sse({
  id: 'c1', object: 'chat.completion.chunk', choices: [],
  usage: { prompt_tokens: 1200, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1000 }, completion_tokens_details: { reasoning_tokens: 120 } },
});
const openaiBody = chunk('Hel') + chunk('lo ☃ wörld') + chunk('!') + usageEv + 'data: [DONE]\n\n';

/** Writes `body` split at `cuts` (byte offsets), each piece in its own tick. */
function splitWriter(body: string, cuts: number[], end = true): Script {
  return (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const b = Buffer.from(body);
    const at = [0, ...cuts.filter((c) => c > 0 && c < b.length), b.length];
    let i = 0;
    const next = (): void => {
      if (i >= at.length - 1) {
        if (end) res.end();
        else res.destroy();
        return;
      }
      res.write(b.subarray(at[i], at[i + 1]));
      i++;
      setTimeout(next, 2);
    };
    next();
  };
}

interface Got { status: number; body: Buffer; callId: string }
function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Got> {
  const url = new URL(s.gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'POST', headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json', ...headers } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts), callId: String(res.headers['x-tollgate-call-id']) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const chatReq = { model: 'test-gpt', stream: true, messages: [{ role: 'user', content: 'hi' }] };

describe('chat stream bytes and metering, split anywhere', () => {
  const len = Buffer.byteLength(openaiBody);
  const splits: number[][] = [[], [1], [len - 1], [5, 6, 7, 8], Array.from({ length: 40 }, (_, i) => i * 13 + 3), Array.from({ length: len }, (_, i) => i)];
  for (const cuts of splits) {
    it(`cuts at ${cuts.length} places`, async () => {
      script = splitWriter(openaiBody, cuts);
      const got = await post('/v1/chat/completions', chatReq);
      expect(got.status).toBe(200);
      // The usage chunk the client did not ask for is dropped; everything else passes byte for byte.
      expect(got.body.toString()).toBe(openaiBody.replace(usageEv, ''));
      const row = await s.waitForCall(got.callId);
      expect(row).toMatchObject({ inputTokens: 200, cachedInputTokens: 1000, outputTokens: 180, reasoningTokens: 120, estimated: false, status: 'ok' });
    });
  }
});

describe('chat stream with "usage": null on every chunk (include_usage upstream)', () => {
  // What OpenAI sends once asked for usage; a client that did not ask gets no usage key at all, as
  // OpenAI would have sent it; one that asked gets the provider's bytes.
  const nullChunk = (content: string): string => `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}],"usage":null}\n\n`;
  const spacedChunk = (content: string): string => `data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": ${JSON.stringify(content)}}}], "usage" : null, "obfuscation": "x"}\n\n`;
  const firstChunk = (content: string): string => `data: { "usage":null ,"id":"c1","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;
  // A content string holding the same bytes is not a member: it stays.
  const quoting = chunk('say ,"usage":null}');
  const body = nullChunk('Hel') + spacedChunk('lo ☃') + firstChunk(' wörld') + quoting + usageEv + 'data: [DONE]\n\n';
  const stripped =
    `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n` +
    `data: {"id": "c1", "choices": [{"index": 0, "delta": {"content": "lo ☃"}}], "obfuscation": "x"}\n\n` +
    `data: { "id":"c1","choices":[{"index":0,"delta":{"content":" wörld"}}]}\n\n` +
    quoting +
    'data: [DONE]\n\n';
  const len = Buffer.byteLength(body);
  for (const cuts of [[], [7], Array.from({ length: len }, (_, i) => i)]) {
    it(`a client that did not ask gets no usage key, cut at ${cuts.length} places`, async () => {
      script = splitWriter(body, cuts);
      const got = await post('/v1/chat/completions', chatReq);
      expect(got.body.toString()).toBe(stripped);
      for (const line of stripped.split('\n').filter((l) => l.startsWith('data: {'))) JSON.parse(line.slice(6));
      const row = await s.waitForCall(got.callId);
      expect(row).toMatchObject({ inputTokens: 200, outputTokens: 180, estimated: false, status: 'ok' });
    });
  }
  it('a client that asked gets the provider\'s bytes', async () => {
    script = splitWriter(body, [11, 200]);
    const got = await post('/v1/chat/completions', { ...chatReq, stream_options: { include_usage: true } });
    expect(got.body.toString()).toBe(body);
  });
});

describe('chat stream cut by the provider', () => {
  it('ends with an error event and bills an estimate', async () => {
    const body = chunk('one two three ') + chunk('four five');
    script = splitWriter(body, [10, Buffer.byteLength(chunk('one two three ')) + 5], false);
    const got = await post('/v1/chat/completions', chatReq);
    const text = got.body.toString();
    expect(text.startsWith(chunk('one two three '))).toBe(true);
    expect(text).toContain('error');
    const row = await s.waitForCall(got.callId);
    expect(row.status).toBe('error');
    expect(row.estimated).toBe(true);
    expect(row.outputTokens).toBeGreaterThan(0);
  });
});

const anthropicEvents = [
  `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'm1', type: 'message', role: 'assistant', model: 'test-claude', content: [], usage: { input_tokens: 50, cache_read_input_tokens: 700, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 1 } } })}\n\n`,
  `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ☃ there' } })}\n\n`,
  `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n`,
  `event: message_delta\ndata: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42, cache_creation_input_tokens: 300 } })}\n\n`,
  `event: message_stop\ndata: ${JSON.stringify({ type: 'message_stop' })}\n\n`,
].join('');

describe('an anthropic error event mid-stream', () => {
  it('reaches the client as sent, and the call is recorded as failed with an estimate', async () => {
    const partial = anthropicEvents.split('event: content_block_stop')[0]!;
    const errorEv = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
    script = splitWriter(partial + errorEv, []);
    const got = await post('/v1/messages', { model: 'test-claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe(partial + errorEv);
    const row = await s.waitForCall(got.callId);
    expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_error', inputTokens: 50, estimated: true });
    expect(row.outputTokens).toBeGreaterThan(0);
  });
});

describe('a provider error event that names the provider key', () => {
  it('reaches the client without the key, in both formats', async () => {
    const echo = (key: string): string => `Invalid key ${key} (${encodeURIComponent(key)})`;
    const chatError = sse({ error: { message: echo('sk-test-openai-secret'), type: 'invalid_request_error', code: null, param: null } });
    script = splitWriter(chunk('Hel') + chatError, []);
    const chat = await post('/v1/chat/completions', chatReq);
    expect(chat.body.toString()).toContain('Hel');
    expect(chat.body.toString()).toContain('Invalid key [redacted] ([redacted])');
    expect(chat.body.toString()).not.toContain('secret');

    const partial = anthropicEvents.split('event: content_block_stop')[0]!;
    const antError = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: echo('sk-ant-test-secret') } })}\n\n`;
    // The error event arrives in pieces: the last piece comes as the stream's unterminated tail.
    script = splitWriter(partial + antError.slice(0, -2), [partial.length + 20]);
    const ant = await post('/v1/messages', { model: 'test-claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
    expect(ant.body.toString()).toContain('authentication_error');
    expect(ant.body.toString()).not.toContain('secret');
    expect((await s.waitForCall(ant.callId)).errorCode).toBe('upstream_error');
  });
});

describe('anthropic stream split anywhere', () => {
  const len = Buffer.byteLength(anthropicEvents);
  for (const cuts of [[], [3], Array.from({ length: 60 }, (_, i) => i * 17 + 1), Array.from({ length: len }, (_, i) => i)]) {
    it(`cuts at ${cuts.length} places`, async () => {
      script = splitWriter(anthropicEvents, cuts);
      const got = await post('/v1/messages', { model: 'test-claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
      expect(got.status).toBe(200);
      expect(got.body.toString()).toBe(anthropicEvents);
      const row = await s.waitForCall(got.callId);
      expect(row).toMatchObject({ inputTokens: 50, cachedInputTokens: 700, cacheWrite5mTokens: 100, cacheWrite1hTokens: 200, outputTokens: 42, estimated: false, status: 'ok' });
    });
  }
});

describe('a client that stops reading, then leaves', () => {
  it('pauses the provider, then stops it and records the call as aborted with an estimate', async () => {
    const before = upstreamClosedEarly;
    let written = 0;
    script = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = chunk('word '.repeat(200));
      const more = (): void => {
        while (!res.destroyed) {
          written++;
          if (!res.write(ev)) {
            res.once('drain', more);
            return;
          }
        }
      };
      more();
    };
    const url = new URL(s.gw.url);
    const { callId } = await new Promise<{ callId: string }>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: '/v1/chat/completions', method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
        res.pause();
        const callId = String(res.headers['x-tollgate-call-id']);
        let last = -1;
        let still = 0;
        const wait = (): void => {
          if (written > 100_000) return reject(new Error(`provider never paused: ${written} events`));
          still = written === last ? still + 1 : 0;
          last = written;
          if (still < 3) return void setTimeout(wait, 200);
          req.destroy();
          resolve({ callId });
        };
        wait();
      });
      req.on('error', () => undefined);
      req.on('close', () => undefined);
      // An output bound far above what fills the socket buffers before the provider pauses: the budget
      // cut (one output token per event at least) must not end the stream first on a slow machine.
      req.end(JSON.stringify({ ...chatReq, max_tokens: 200_000 }));
    });
    const row = await s.waitForCall(callId, 10000);
    expect([row.status, row.errorCode, row.httpStatus]).toEqual(['aborted', 'client_closed', 499]);
    expect(row.estimated).toBe(true);
    expect(row.outputTokens).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(upstreamClosedEarly).toBe(before + 1);
  }, 30000);
});

const resp = { id: 'resp_1', object: 'response', status: 'in_progress', model: 'gpt-test-upstream', output: [], usage: null };
const rev = (type: string, seq: number, extra: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...extra })}\n\n`;
const responsesEvents = [
  rev('response.created', 0, { response: resp }),
  rev('response.in_progress', 1, { response: resp }),
  rev('response.output_item.added', 2, { output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } }),
  rev('response.output_text.delta', 3, { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Héllo ☃' }),
  rev('response.output_text.delta', 4, { item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' there' }),
  rev('response.completed', 5, { response: { ...resp, status: 'completed', usage: { input_tokens: 900, input_tokens_details: { cached_tokens: 512 }, output_tokens: 77, output_tokens_details: { reasoning_tokens: 33 }, total_tokens: 977 } } }),
].join('');

describe('responses stream split anywhere', () => {
  const len = Buffer.byteLength(responsesEvents);
  for (const cuts of [[], [2], Array.from({ length: 50 }, (_, i) => i * 23 + 5), Array.from({ length: len }, (_, i) => i)]) {
    it(`cuts at ${cuts.length} places`, async () => {
      script = splitWriter(responsesEvents, cuts);
      const got = await post('/v1/responses', { model: 'test-gpt', stream: true, input: 'hi' });
      expect(got.status).toBe(200);
      expect(got.body.toString()).toBe(responsesEvents);
      const row = await s.waitForCall(got.callId);
      expect(row).toMatchObject({ inputTokens: 388, cachedInputTokens: 512, outputTokens: 44, reasoningTokens: 33, estimated: false, status: 'ok' });
    });
  }
});
