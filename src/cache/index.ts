export type { CacheApi, CachedResponse, CachedUsage, ResponseCacheStore } from './types.js';
export { cacheKey, canonicalBody, type CacheKeyInput } from './cache-key.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './redis-store.js';
export { assembleResponse, IncompleteToolCall, type AssembleInput } from './assemble.js';
export { replayAsStream, type ReplayOptions } from './replay.js';
