/**
 * `tollgate mock-provider`: runs the offline OpenAI + Anthropic mock for demos and benchmarks.
 * The mock (and the tokenizer it uses) is imported only when this command runs, so it costs the
 * gateway's own commands nothing.
 */
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = nonNegativeNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function fraction(value: string): number {
  const n = nonNegativeNumber(value);
  if (n > 1) throw new InvalidArgumentError('expected a number between 0 and 1');
  return n;
}

interface MockProviderFlags {
  port: number;
  host: string;
  latencyMs: number;
  tokens: number;
  chunkDelayMs: number;
  failRate: number;
  responseBytes?: number;
  embeddingDimensions: number;
}

export function mockProviderCommand(): Command {
  return new Command('mock-provider')
    .description('run a mock OpenAI + Anthropic upstream (real wire formats, exact token counts, no internet)')
    .option('--port <n>', 'port to listen on (0 = random)', nonNegativeInt, 8091)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--latency-ms <n>', 'delay before every response', nonNegativeInt, 0)
    .option('--tokens <n>', 'completion tokens per reply', nonNegativeInt, 16)
    .option('--chunk-delay-ms <n>', 'delay between stream chunks', nonNegativeInt, 0)
    .option('--fail-rate <f>', 'fraction of requests answered with a 500 (0..1)', fraction, 0)
    .option('--response-bytes <n>', 'pad non-streamed replies to about this many bytes', nonNegativeInt)
    .option('--embedding-dimensions <n>', 'default embedding vector length', nonNegativeInt, 8)
    .action(async (flags: MockProviderFlags) => {
      const log = pino({ name: 'tollgate-mock' });
      const mock = await (await import('../mock/index.js')).startMockProvider(flags);
      log.info({ url: mock.url, tokens: flags.tokens, latencyMs: flags.latencyMs }, 'mock provider listening');
      const stop = (): void => {
        mock.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
