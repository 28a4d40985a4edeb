/**
 * `tollgate reconcile --provider openai|anthropic [FILE]`: the provider's usage and cost reports against
 * the ledger. FILE is read directly (pages as saved from the API); without it, the reports imported with
 * `tollgate import openai-usage|anthropic-usage` are used.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { reconcile } from '../analytics/reconcile-run.js';
import type { Finding, ReconcileReport } from '../analytics/reconcile.js';
import { parseTime } from '../analytics/spend-report.js';
import { reportRows, type ReportProvider } from '../import/provider-usage/import.js';
import { emptySummary } from '../import/summary.js';
import type { Config } from '../config/schema.js';
import { configFrom, reportingErrors, table, withConfig, withStore } from './common.js';

interface Options {
  config: string;
  provider: ReportProvider;
  tolerance?: number;
  gatewayKey: string[];
  gatewayWorkspace: string[];
  ledgerProvider: string[];
  since: string;
  until?: string;
  json?: boolean;
}

function tolerance(v: string): number {
  const pct = v.endsWith('%');
  const n = Number(pct ? v.slice(0, -1) : v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a fraction (0.01) or a percentage (1%)');
  return pct ? n / 100 : n;
}

const collect = (v: string, prev: string[]): string[] => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

/** The ledger's providers this report covers: config's providers of that kind, and the kind's own name. */
function ledgerProviders(config: Config, provider: ReportProvider, named: string[]): string[] {
  if (named.length > 0) return named;
  const fromConfig = config.reconcile[provider].ledger_providers;
  if (fromConfig) return fromConfig;
  const official = provider === 'openai' ? 'api.openai.com' : 'api.anthropic.com';
  return [provider, ...Object.entries(config.providers).filter(([, p]) => p.kind === provider && p.base_url.includes(official)).map(([n]) => n)];
}

export function reconcileCommand(): Command {
  return withConfig(new Command('reconcile'))
    .description("compare a provider's usage and cost reports with the ledger, per day, model and key; exits 2 when they differ")
    .addOption(new Option('--provider <provider>', 'whose reports').choices(['openai', 'anthropic']).makeOptionMandatory())
    .argument('[file]', 'report pages (JSON, JSON array or JSONL); default: the imported reports')
    .option('--tolerance <t>', 'relative difference to ignore, e.g. 1% or 0.01 (default: reconcile.tolerance)', tolerance)
    .option('--gateway-key <ids>', "the provider's API key id(s) the gateway uses (repeatable, comma list)", collect, [])
    .option('--gateway-workspace <ids>', 'workspace (Anthropic) or project (OpenAI) ids only the gateway uses', collect, [])
    .option('--ledger-provider <names>', 'ledger provider names to compare (default: configured providers of that kind)', collect, [])
    .option('--since <time>', 'with imported reports: from (30d, an ISO date, epoch ms)', '30d')
    .option('--until <time>', 'with imported reports: until (exclusive)')
    .option('--json', 'print JSON')
    .action(reportingErrors('reconcile', async (file: string | undefined, o: Options) => {
      const config = await configFrom(o);
      const rc = config.reconcile[o.provider];
      const names = ledgerProviders(config, o.provider, o.ledgerProvider);
      const opts = {
        gatewayKeys: o.gatewayKey.length > 0 ? o.gatewayKey : rc.gateway_keys,
        gatewayWorkspaces: o.gatewayWorkspace.length > 0 ? o.gatewayWorkspace : rc.gateway_workspaces,
        tolerance: o.tolerance ?? config.reconcile.tolerance,
        upstreamModel: (m: string) => config.models[m]?.upstream_model ?? m,
      };
      const report = await withStore(config, async (store) => {
        const now = Date.now();
        const rows = file
          ? reportRows(o.provider, file, emptySummary('reconcile'))
          : await store.providerUsage({ provider: o.provider, from: parseTime(o.since, now), to: parseTime(o.until, now) });
        return reconcile(store, rows, names, opts);
      });
      console.log(o.json ? JSON.stringify({ provider: o.provider, ledger_providers: names, ...report }) : formatReport(report, o.provider));
      // Differences exit 2 in either output mode, so scripts can act on them.
      if (report.findings.length > 0) process.exitCode = 2;
    }));
}

const usd = (n: number | null): string => (n === null ? '-' : (n / 1e9).toFixed(6));
const toks = (f: Finding['provider']): string => `${f.inputTokens}/${f.cachedInputTokens}/${f.cacheWrite5mTokens + f.cacheWrite1hTokens}/${f.outputTokens}`;

function formatReport(r: ReconcileReport, provider: string): string {
  const head = `Compared ${r.compared} day x model group(s) over ${r.days.length} day(s) (${r.days[0] ?? '-'} .. ${r.days[r.days.length - 1] ?? '-'}), tolerance ${(r.tolerance * 100).toFixed(2)}%.`;
  // Nothing compared is no agreement: say why there was nothing to compare.
  if (r.compared === 0) return `${head}\nNothing to compare: no provider usage in this window (import it with \`tollgate import ${provider}-usage\`, or widen --since/--until).`;
  if (r.findings.length === 0) return `${head}\nNo differences beyond the tolerance.`;
  const rows = r.findings.map((f) => [f.class, f.day, f.model, f.apiKeyId ?? f.workspace ?? '', toks(f.provider), toks(f.ledger), usd(f.provider.costNanos), usd(f.ledger.costNanos), f.detail]);
  const counts = Object.entries(r.counts).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(', ');
  return `${head}\n${table(['class', 'day', 'model', 'key/workspace', 'provider in/cached/write/out', 'ledger in/cached/write/out', 'provider_usd', 'ledger_usd', 'detail'], rows)}\n\n${r.findings.length} difference(s): ${counts}`;
}
