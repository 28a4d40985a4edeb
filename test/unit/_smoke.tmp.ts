import { startMockProvider } from '../../src/mock/index.js';
const m = await startMockProvider({ port: 18092, responseBytes: Number(process.env.RB ?? 1024) });
console.log(m.url);
