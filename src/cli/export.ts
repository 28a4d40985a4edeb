/**
 * `tollgate export csv [--since --until] [--out FILE]`: the ledger as CSV, the format `import csv` reads,
 * with text cells neutralised against spreadsheet formulas (import/csv/csv-format.ts csvTextField).
 */
import { open } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import { parseWindow } from '../analytics/spend-report.js';
import { exportCsv } from '../import/csv/export.js';
import { configFrom, reportingErrors, withConfig, withStore } from './common.js';

export function exportCommand(): Command {
  const cmd = new Command('export').description('export the ledger');
  cmd.addCommand(
    withConfig(new Command('csv'))
      .description("every call as a CSV row (columns: src/import/README.md); text cells that start with = + - @ are prefixed with ' so a spreadsheet does not run them; `tollgate import csv` reads it back")
      .option('--since <time>', 'from: 30d, an ISO date or epoch ms (default: the beginning)')
      .option('--until <time>', 'until (exclusive)')
      .option('-o, --out <file>', 'write to a file instead of stdout')
      .action(reportingErrors('export csv', async (o: { config: string; since?: string; until?: string; out?: string }) => {
        const config = await configFrom(o);
        const window = parseWindow(o.since, o.until, Date.now());
        // The file is opened before the ledger is read: a directory or a missing folder is one clear error.
        const out = o.out ? (await open(o.out, 'w')).createWriteStream() : process.stdout;
        // A reader that stops early (`| head`) ends the export quietly.
        if (!o.out) process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? process.exit(0) : undefined));
        const n = await withStore(config, (store) => exportCsv(store, out, window));
        if (o.out) {
          out.end();
          await finished(out);
          console.error(`Exported ${n} call(s) to ${o.out}.`);
        }
      })),
  );
  return cmd;
}
