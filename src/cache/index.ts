export type { CacheApi, CachedResponse, CachedUsage, ResponseCacheStore } from './types.js';
export { cacheKey, canonicalBody, isCacheable, type CacheKeyInput } from './cache-key.js';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-store.js';
// RedisCacheStore lives in ./redis-store.js and is imported only where Redis is configured (ioredis is
// not loaded by gateways that do not use it).
export type { RedisCacheStoreOptions } from './redis-store.js';
export { assembleResponse, type AssembleInput } from './assemble.js';
export { replayAsStream, type ReplayOptions } from './replay.js';
