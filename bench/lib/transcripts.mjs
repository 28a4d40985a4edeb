/**
 * Generates Claude Code transcripts shaped like real ones, for the import benchmark and the bounded-memory
 * test: sessions of user turns (prompts and large tool results, never parsed by the importer) and
 * assistant messages streamed as 2-4 lines with growing output_tokens, some by subagents (sidechains)
 * and with 5m/1h cache writes, spread over projects. Deterministic for a given seed; returns what it wrote.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const MODELS = ['claude-sonnet-4-20250514', 'claude-opus-4-1-20250805', 'claude-3-5-haiku-20241022', 'claude-sonnet-4-20250514'];

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the function returns a value when the test passes and the build is green so we can merge this change after review of the api handler'.split(' ');

export async function generateTranscripts(dir, targetBytes, { seed = 7, messagesPerSession = 150 } = {}) {
  const rand = rng(seed);
  const filler = Array.from({ length: 4000 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  const text = (n) => {
    const start = Math.floor(rand() * (filler.length - n - 1));
    return filler.slice(start, start + n);
  };
  let bytes = 0;
  let files = 0;
  let messages = 0;
  let t = Date.UTC(2025, 8, 1);
  for (let session = 0; bytes < targetBytes; session++) {
    const project = `-home-dev-project${session % 12}`;
    const cwd = `/home/dev/project${session % 12}`;
    const sessionId = `session-${seed}-${session}`;
    mkdirSync(join(dir, 'projects', project), { recursive: true });
    const out = createWriteStream(join(dir, 'projects', project, `${sessionId}.jsonl`));
    files++;
    const write = (obj) => {
      const line = `${JSON.stringify(obj)}\n`;
      bytes += Buffer.byteLength(line);
      return out.write(line) ? undefined : new Promise((r) => out.once('drain', r));
    };
    const common = { userType: 'external', cwd, sessionId, version: '1.0.98', gitBranch: 'main' };
    for (let m = 0; m < messagesPerSession && bytes < targetBytes; m++) {
      t += 1000 + Math.floor(rand() * 60_000);
      const toolResult = rand() < 0.7;
      await write({ parentUuid: null, isSidechain: false, ...common, type: 'user', message: { role: 'user', content: toolResult ? [{ type: 'tool_result', tool_use_id: `toolu_${session}_${m}`, content: text(1000 + Math.floor(rand() * 7000)) }] : text(200) }, uuid: `u-${session}-${m}`, timestamp: new Date(t).toISOString() });
      const sidechain = rand() < 0.15;
      const model = sidechain ? MODELS[2] : MODELS[Math.floor(rand() * MODELS.length)];
      const w1 = rand() < 0.3 ? Math.floor(rand() * 3000) : 0;
      const w5 = Math.floor(rand() * 4000);
      const usage = { input_tokens: 1 + Math.floor(rand() * 50), cache_creation_input_tokens: w5 + w1, cache_read_input_tokens: Math.floor(rand() * 120_000), cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 }, output_tokens: 1, service_tier: 'standard' };
      const lines = 2 + Math.floor(rand() * 3);
      const finalOutput = 20 + Math.floor(rand() * 2000);
      messages++;
      for (let l = 0; l < lines; l++) {
        const output = l === lines - 1 ? finalOutput : Math.max(1, Math.floor((finalOutput * l) / lines));
        const content = l === 0 ? [{ type: 'text', text: text(100 + Math.floor(rand() * 1200)) }] : [{ type: 'tool_use', id: `toolu_${session}_${m}_${l}`, name: 'Bash', input: { command: text(80) } }];
        await write({ parentUuid: `u-${session}-${m}`, isSidechain: sidechain, ...common, message: { id: `msg_${seed}_${session}_${m}`, type: 'message', role: 'assistant', model, content, stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: output } }, requestId: `req_${seed}_${session}_${m}`, type: 'assistant', uuid: `a-${session}-${m}-${l}`, timestamp: new Date(t + l * 700).toISOString() });
      }
    }
    out.end();
    await new Promise((r) => out.once('close', r));
  }
  return { bytes, files, messages };
}
