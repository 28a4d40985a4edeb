/** `tollgate export csv [--since --until] [--out FILE]`: the ledger as CSV, the format `import csv` reads. */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import { parseTime } from '../analytics/spend-report.js';
import { exportCsv } from '../import/csv/export.js';
import { configFrom, reportingErrors, withConfig, withStore } from './common.js';

export function exportCommand(): Command {
  const cmd = new Command('export').description('export the ledger');
  cmd.addCommand(
    withConfig(new Command('csv'))
      .description('every call as a CSV row (columns: src/import/README.md); `tollgate import csv` reads it back')
      .option('--since <time>', 'from: 30d, an ISO date or epoch ms (default: the beginning)')
      .option('--until <time>', 'until (exclusive)')
      .option('-o, --out <file>', 'write to a file instead of stdout')
      .action(reportingErrors('export csv', async (o: { config: string; since?: string; until?: string; out?: string }) => {
        const config = await configFrom(o);
        const now = Date.now();
        const out = o.out ? createWriteStream(o.out) : process.stdout;
        const n = await withStore(config, (store) => exportCsv(store, out, { from: parseTime(o.since, now), to: parseTime(o.until, now) }));
        if (o.out) {
          out.end();
          await finished(out);
          console.error(`Exported ${n} call(s) to ${o.out}.`);
        }
      })),
  );
  return cmd;
}
