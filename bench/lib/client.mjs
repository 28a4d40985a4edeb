/**
 * The bench's own HTTP client (undici, one keep-alive connection): a correctness probe run before a
 * target is measured, and the streaming time-to-first-byte measurement.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';

function post(client, target, body) {
  return client.request({ method: 'POST', path: target.path, headers: target.headers, body });
}

/**
 * Send one request and check that the answer looks right: 200, and usage in the JSON body, or an SSE
 * stream ending in [DONE]. Returns { ok, status, bytes, reason }.
 */
export async function probe(target, request) {
  const client = new Client(target.url);
  try {
    const res = await post(client, target, request.body);
    const text = await res.body.text();
    const bytes = Buffer.byteLength(text);
    if (res.statusCode !== 200) return { ok: false, status: res.statusCode, bytes, reason: `HTTP ${res.statusCode}: ${text.slice(0, 300)}` };
    if (request.stream && !text.includes('data: [DONE]')) return { ok: false, status: 200, bytes, reason: `stream without [DONE]: ${text.slice(-300)}` };
    if (!request.stream && !text.includes('"usage"')) return { ok: false, status: 200, bytes, reason: `body without usage: ${text.slice(0, 300)}` };
    const cache = res.headers['x-tollgate-cache'];
    return { ok: true, status: 200, bytes, reason: null, ...(cache ? { cache } : {}) };
  } catch (err) {
    return { ok: false, status: 0, bytes: 0, reason: String(err?.message ?? err) };
  } finally {
    await client.close();
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * Sequential requests over one keep-alive connection; each sample is the time from sending the
 * request to the first body chunk. The rest of the body is read before the next request. Stops after
 * `n` samples or `maxSeconds`, whichever comes first (a slow peer would otherwise take minutes).
 * Returns { requests (completed, warm-up included), n, p50Us, p90Us, p99Us, meanUs, errorCount }.
 */
export async function measureTtfb(target, request, { n, warmup, maxSeconds }) {
  const client = new Client(target.url, { keepAliveTimeout: 60_000, pipelining: 1 });
  const samples = [];
  let errors = 0;
  let done = 0;
  let deadline = Infinity;
  try {
    for (let i = 0; i < warmup + n && performance.now() < deadline; i++) {
      if (i === warmup) deadline = performance.now() + maxSeconds * 1000;
      const t0 = performance.now();
      const res = await post(client, target, request.body);
      let first = -1;
      for await (const chunk of res.body) {
        if (first < 0 && chunk.length > 0) first = performance.now() - t0;
      }
      done++;
      if (res.statusCode !== 200 || first < 0) errors++;
      else if (i >= warmup) samples.push(first * 1000);
    }
  } finally {
    await client.close();
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / (samples.length || 1);
  return {
    requests: done - errors,
    n: samples.length,
    p50Us: percentile(samples, 50),
    p90Us: percentile(samples, 90),
    p99Us: percentile(samples, 99),
    meanUs: mean,
    errorCount: errors,
  };
}
