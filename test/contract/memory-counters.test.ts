import { MemoryCounterStore } from '../../src/storage/memory/counter-store.js';
import { describeCounterStore } from './counter-store.contract.js';

// One process, one store: every "client" is the same instance.
describeCounterStore('memory', async () => {
  const store = new MemoryCounterStore();
  return [store, store, store];
});
