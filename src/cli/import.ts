/**
 * `tollgate import claude-code|openai-usage|anthropic-usage|csv`: history into Tollgate, idempotently
 * (importing the same data twice adds nothing), with a summary of what was read, imported and skipped.
 */
import { Command } from 'commander';
import { defaultClaudeDirs } from '../import/claude-code/discover.js';
import { importClaudeCode } from '../import/claude-code/import.js';
import { importIntoLedger } from '../import/ledger-writer.js';
import { ImportPricer } from '../import/pricer.js';
import { importProviderReport, type ReportProvider } from '../import/provider-usage/import.js';
import { importCsv } from '../import/csv/import.js';
import { formatSummary, type ImportSummary } from '../import/summary.js';
import { configFrom, reportingErrors, withConfig, withStore } from './common.js';

function print(summary: ImportSummary, json: boolean | undefined): void {
  console.log(json ? JSON.stringify(summary) : formatSummary(summary));
}

export function importCommand(): Command {
  const cmd = new Command('import').description('import usage history: Claude Code transcripts, provider usage and cost reports, CSV');

  cmd.addCommand(
    withConfig(new Command('claude-code'))
      .description('Claude Code transcripts (projects/**/*.jsonl); default: $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude')
      .argument('[dirs...]', 'Claude config directories (or projects/ directories)')
      .option('--team <team>', 'team to attribute the calls to (default: import.claude_code.team)')
      .option('--user <user>', 'user to attribute the calls to')
      .option('--project <project>', 'project for every call (default: the session working directory name)')
      .option('--json', 'print the summary as JSON')
      .action(reportingErrors('import claude-code', async (dirs: string[], o: { config: string; team?: string; user?: string; project?: string; json?: boolean }) => {
        const config = await configFrom(o);
        const cc = config.import.claude_code;
        const roots = dirs.length > 0 ? dirs : defaultClaudeDirs();
        if (roots.length === 0) throw new Error('no Claude Code directory found: name one, or set CLAUDE_CONFIG_DIR');
        const pricer = new ImportPricer(config.models, config.providers);
        const attribution = {
          team: o.team ?? cc.team,
          user: o.user ?? cc.user ?? null,
          project: o.project ?? cc.project ?? null,
          projectFromCwd: cc.project_from_cwd,
          teamsByProject: o.team ? {} : cc.teams_by_project,
        };
        const summary = await withStore(config, (store) => importIntoLedger(store, (writer) => importClaudeCode({ dirs: roots, attribution, pricer, writer })));
        print(summary, o.json);
        // An empty folder reads as a successful import of nothing: say where Tollgate looked.
        if (summary.files === 0 && !o.json) console.error(`no transcript (*.jsonl) found under ${roots.join(', ')}`);
      })),
  );
  const report = (provider: ReportProvider, what: string): Command =>
    withConfig(new Command(`${provider}-usage`))
      .description(`${what} pages into the provider usage table (for reconcile; not ledger calls)`)
      .argument('<file>', 'pages as saved from the API: one JSON page, a JSON array of pages, or one page per line')
      .option('--json', 'print the summary as JSON')
      .action(reportingErrors(`import ${provider}-usage`, async (file: string, o: { config: string; json?: boolean }) => {
        const config = await configFrom(o);
        print(await withStore(config, (store) => importProviderReport(store, provider, file)), o.json);
      }));
  cmd.addCommand(report('openai', 'OpenAI organisation usage (completions) and costs API'));
  cmd.addCommand(report('anthropic', 'Anthropic usage report (messages) and cost report'));
  cmd.addCommand(
    withConfig(new Command('csv'))
      .description('calls from CSV: Tollgate\'s own export, or any file with started_at, model and token columns (see src/import/README.md)')
      .argument('<file>', 'CSV with a header row')
      .option('--team <team>', 'team for rows without a team column', 'imported')
      .option('--key <id>', 'key id for rows without a key_id column', 'import:csv')
      .option('--json', 'print the summary as JSON')
      .action(reportingErrors('import csv', async (file: string, o: { config: string; team: string; key: string; json?: boolean }) => {
        const config = await configFrom(o);
        const pricer = new ImportPricer(config.models, config.providers);
        const summary = await withStore(config, (store) => importIntoLedger(store, (writer) => importCsv({ path: file, writer, pricer, defaults: { team: o.team, keyId: o.key } })));
        print(summary, o.json);
      })),
  );
  return cmd;
}
