/**
 * A request the mock provider cannot build a reply for (here a Responses API request whose tools are
 * nested too deeply to serialise back) gets a 500, and the mock keeps serving: the exception does not
 * end the process, with or without a configured latency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';

let immediate: MockProvider;
let delayed: MockProvider;

beforeAll(async () => {
  immediate = await startMockProvider();
  delayed = await startMockProvider({ latencyMs: 20 });
});
afterAll(async () => {
  await immediate.close();
  await delayed.close();
});

const DEPTH = 1_000_000;
const deepBody = JSON.stringify({ model: 'gpt-5-mini', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: 'X' }] }).replace('"X"', '['.repeat(DEPTH) + ']'.repeat(DEPTH));

async function post(mock: MockProvider, body: string): Promise<number> {
  const r = await fetch(`${mock.url}/v1/responses`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body });
  await r.arrayBuffer();
  return r.status;
}

describe('mock provider failures', () => {
  it.each([
    ['without latency', () => immediate],
    ['with latency', () => delayed],
  ])('answers a reply it cannot build with 500 and keeps serving (%s)', async (_name, mock) => {
    expect(await post(mock(), deepBody)).toBe(500);
    expect(await post(mock(), JSON.stringify({ model: 'gpt-5-mini', input: 'hi' }))).toBe(200);
  });
});
