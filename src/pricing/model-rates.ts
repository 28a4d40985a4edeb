/**
 * The rates of every configured model, resolved once at start: config prices here, catalogue prices
 * in a short-lived worker thread (rates-worker.ts), so the gateway's own heap never holds the
 * catalogue (about 20 MB) for the few rates it needs. No worker at all when config prices every model.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import { configRates, type ModelRates } from './price-book.js';
import type { RatesLookup } from './rates-worker.js';
import { pricingWorkerUrl } from './worker-url.js';

/** Rates by configured model name; null for a model neither config nor catalogue prices. */
export async function resolveModelRates(config: Pick<Config, 'models' | 'providers'>): Promise<Map<string, ModelRates | null>> {
  const rates = new Map<string, ModelRates | null>();
  const pending: { name: string; lookup: RatesLookup }[] = [];
  for (const [name, m] of Object.entries(config.models)) {
    if (m.price) {
      rates.set(name, configRates(m.price));
      continue;
    }
    const p = config.providers[m.provider]!;
    rates.set(name, null); // keeps config order; filled below
    pending.push({ name, lookup: { model: m.upstream_model ?? name, provider: { name: m.provider, base_url: p.base_url, catalog: p.catalog } } });
  }
  if (pending.length > 0) {
    const found = await lookUpInWorker(pending.map((x) => x.lookup));
    pending.forEach((x, i) => rates.set(x.name, found[i] ?? null));
  }
  return rates;
}

/** Resolves once the worker has answered and exited, so its memory is gone before the gateway serves. */
function lookUpInWorker(lookups: RatesLookup[]): Promise<(ModelRates | null)[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(pricingWorkerUrl('rates-worker.js'), { workerData: lookups });
    let answer: (ModelRates | null)[] | undefined;
    worker.once('message', (msg: (ModelRates | null)[]) => {
      answer = msg;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (answer) resolve(answer);
      else reject(new Error(`price catalogue worker exited (code ${code}) without rates`));
    });
  });
}
