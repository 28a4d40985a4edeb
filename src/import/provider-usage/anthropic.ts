/**
 * Anthropic Admin API reports into provider_usage rows. Usage report (`/v1/organizations/usage_report/
 * messages`): counts are ADDITIVE (uncached input + cache reads + cache writes = the prompt), which are
 * Tollgate's own classes. Cost report (`/v1/organizations/cost_report`): `amount` is a decimal string in
 * CENTS, per bucket and group (workspace_id, description -> model, cost_type, token_type).
 */
import { importedId } from '../call-id.js';
import type { ParsedResult } from './openai.js';
import { bucketTime, centsToNanos, obj, pageBuckets, str, tokens, type Obj } from './report-shape.js';

export function* anthropicRows(page: unknown, importedAt: number): Generator<ParsedResult> {
  for (const bucket of pageBuckets(page)) {
    const start = bucketTime(bucket['starting_at'], 'starting_at');
    const end = bucketTime(bucket['ending_at'], 'ending_at');
    for (const raw of bucket['results'] as unknown[]) {
      const r = obj(raw);
      if (!r) throw new Error('Anthropic result is not an object');
      yield r['amount'] !== undefined ? costRow(r, start, end, importedAt) : usageRow(r, start, end, importedAt);
    }
  }
}

function usageRow(r: Obj, start: number, end: number, importedAt: number): ParsedResult {
  const creation = obj(r['cache_creation']) ?? {};
  const model = str(r['model']);
  const apiKeyId = str(r['api_key_id']);
  const workspace = str(r['workspace_id']);
  const detail = [str(r['service_tier']), str(r['context_window']), str(r['inference_geo'])].filter((x) => x !== null).join(',') || null;
  return {
    row: {
      id: importedId('pu', 'anthropic', 'usage', start, end, model, apiKeyId, workspace, detail),
      provider: 'anthropic', kind: 'usage', bucketStart: start, bucketEnd: end, model, apiKeyId, workspace, userId: null, detail,
      requests: 0,
      inputTokens: tokens(r['uncached_input_tokens'], 'uncached_input_tokens'),
      cachedInputTokens: tokens(r['cache_read_input_tokens'], 'cache_read_input_tokens'),
      cacheWrite5mTokens: tokens(creation['ephemeral_5m_input_tokens'], 'cache_creation.ephemeral_5m_input_tokens'),
      cacheWrite1hTokens: tokens(creation['ephemeral_1h_input_tokens'], 'cache_creation.ephemeral_1h_input_tokens'),
      outputTokens: tokens(r['output_tokens'], 'output_tokens'),
      costNanos: 0,
      importedAt,
    },
  };
}

function costRow(r: Obj, start: number, end: number, importedAt: number): ParsedResult {
  const currency = str(r['currency'])?.toUpperCase();
  if (currency !== undefined && currency !== 'USD') return { skip: `currency_${currency.toLowerCase()}` };
  const amount = r['amount'];
  if (typeof amount !== 'string' && typeof amount !== 'number') throw new Error('Anthropic cost result without amount');
  const model = str(r['model']);
  const workspace = str(r['workspace_id']);
  const detail = [str(r['cost_type']), str(r['token_type']), str(r['service_tier']), str(r['context_window']), str(r['description'])].filter((x) => x !== null).join(',') || null;
  return {
    row: {
      id: importedId('pu', 'anthropic', 'cost', start, end, model, workspace, detail),
      provider: 'anthropic', kind: 'cost', bucketStart: start, bucketEnd: end, model, apiKeyId: null, workspace, userId: null, detail,
      requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0,
      costNanos: centsToNanos(String(amount)),
      importedAt,
    },
  };
}
