#!/usr/bin/env node
/** The `tollgate` command: one file per sub-command, wired here. */
import { Command } from 'commander';
import { ZodError } from 'zod';
import { startCommand } from './start.js';
import { keysCommand } from './keys.js';
import { spendCommand } from './spend.js';
import { mockProviderCommand } from './mock-provider.js';
import { migrateCommand } from './migrate.js';
import { budgetsCommand } from './budgets.js';
import { runsCommand } from './runs.js';
import { savingsCommand } from './savings.js';
import { routesCommand } from './routes.js';
import { wasteCommand } from './waste.js';
import { outcomesCommand } from './outcomes.js';
import { roiCommand } from './roi.js';
import { importCommand } from './import.js';
import { reconcileCommand } from './reconcile.js';
import { exportCommand } from './export.js';
import { demoCommand } from './demo.js';
import { replayCommand } from './replay.js';

const program = new Command('tollgate')
  .description('LLM spend governor: meters, attributes and bounds every model call')
  .version('0.1.0');

program.addCommand(startCommand());
program.addCommand(keysCommand());
program.addCommand(spendCommand());
program.addCommand(budgetsCommand());
program.addCommand(runsCommand());
program.addCommand(routesCommand());
program.addCommand(savingsCommand());
program.addCommand(wasteCommand());
program.addCommand(outcomesCommand());
program.addCommand(roiCommand());
program.addCommand(importCommand());
program.addCommand(reconcileCommand());
program.addCommand(exportCommand());
program.addCommand(replayCommand());
program.addCommand(migrateCommand());
program.addCommand(mockProviderCommand());
program.addCommand(demoCommand());

// Commander's own messages (a missing option, an option's bad value) in the same one-line form.
const oneLineOutput = (c: Command): void => {
  c.configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'tollgate: ')) });
  for (const sub of c.commands) oneLineOutput(sub);
};
oneLineOutput(program);

// A mistake (a bad --since, a bad config file, an unreachable gateway) is one line, not a stack trace;
// TOLLGATE_DEBUG=1 keeps the stack for bug reports.
// It exits at once: a command that failed half way (a gateway whose port was taken) may have left
// timers and worker threads behind that would keep the process alive.
await program.parseAsync(process.argv).catch((err: unknown) => {
  const debug = process.env['TOLLGATE_DEBUG'];
  console.error(debug && debug !== '0' && err instanceof Error && err.stack ? err.stack : `tollgate: ${oneLine(err)}`);
  process.exit(1);
});

function oneLine(err: unknown): string {
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    return issue ? `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'invalid input';
  }
  return err instanceof Error ? err.message : String(err);
}
