/** The mock provider's public surface. */
export { startMockProvider, type MockProvider } from './server.js';
export type { MockOptions } from './context.js';
export type { MockStats } from './stats.js';
export type { Directive } from './directive.js';
export { WORDS, replyText } from './words.js';
export { countTokens } from './token-count.js';
