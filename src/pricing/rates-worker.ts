/**
 * Worker thread, started once by model-rates.ts: looks the given models up in the price catalogue,
 * posts their rates (null where unknown) in the same order, and exits, taking the catalogue with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { catalogueRates, type CatalogueProvider } from './catalogue.js';

export interface RatesLookup {
  model: string;
  provider: CatalogueProvider;
}

const lookups = workerData as RatesLookup[];
parentPort!.postMessage(lookups.map((l) => catalogueRates(l.model, l.provider)));
