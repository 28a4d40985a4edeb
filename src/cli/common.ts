/** What every command shares: the --config option and opening the store for offline commands. */
import { InvalidArgumentError, type Command } from 'commander';
import { isSpendGroup, parseTime } from '../analytics/spend-report.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { openStore } from '../storage/index.js';
import type { SpendGroup, SpendQuery, Store } from '../storage/types.js';

export const DEFAULT_CONFIG = './tollgate.yaml';

export function withConfig(cmd: Command): Command {
  return cmd.option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG);
}

export async function configFrom(opts: { config: string }): Promise<Config> {
  // An explicitly named file must exist; the default may be absent (defaults apply).
  const { config, file } = await loadConfig(opts.config, { required: opts.config !== DEFAULT_CONFIG });
  // Said, not refused: a first `tollgate keys create` in a new folder is how the default ledger begins.
  if (file === null) console.error(`tollgate: no ${DEFAULT_CONFIG} here; using the default ledger (${config.store.kind === 'sqlite' ? config.store.path : config.store.kind}). Pass --config FILE to use another.`);
  return config;
}

/** A port another process holds, the commonest failure of a first start, said with what to do about it. */
export function listenFailure(err: unknown, portOption: string): unknown {
  const e = err as { code?: unknown; address?: unknown; port?: unknown } | null;
  if (e?.code !== 'EADDRINUSE') return err;
  return new Error(`${String(e.address)}:${String(e.port)} is already in use (another gateway or demo?): stop it, or choose another port with ${portOption} (EADDRINUSE)`);
}

export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.store, { batch: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The options of a report over the ledger: --by, --since, --until, --json. */
export function withReportOptions(cmd: Command): Command {
  return cmd
    .option('--by <dimension>', 'team|user|project|key|model|provider|run|agent|day', (v: string) => {
      if (!isSpendGroup(v)) throw new InvalidArgumentError('use team, user, project, key, model, provider, run, agent or day');
      return v;
    }, 'team')
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--json', 'print JSON');
}

export interface ReportOptions {
  config: string;
  by: SpendGroup;
  since: string;
  until?: string;
  json?: boolean;
}

/** The query a report's options describe. */
export function reportQuery(o: ReportOptions, now = Date.now()): SpendQuery {
  return { groupBy: o.by, from: parseTime(o.since, now), to: parseTime(o.until, now) };
}

/** Print rows as an aligned text table. */
export function table(headers: string[], rows: (string | number | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (typeof rows[0]?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/**
 * Wrap a command action so that bad input (an unreadable file, a malformed report) ends the command with
 * a one-line message and exit code 1 instead of a stack trace.
 */
export function reportingErrors<A extends unknown[]>(name: string, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      console.error(`tollgate ${name}: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  };
}

/** An option that takes a whole number from `min` to `max` (a --limit, a --port, a token count). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** An option that takes a decimal number from 0 (an amount in USD, a percentage): no hex, no exponent, no sign. */
export function decimal(max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || n > max) throw new InvalidArgumentError(`expected a decimal number from 0 to ${max}, in digits (no sign or exponent)`);
    return n;
  };
}
