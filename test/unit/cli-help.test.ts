/** Every command's --help reads as documentation: each command, argument and option says what it is. */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { budgetsCommand } from '../../src/cli/budgets.js';
import { demoCommand } from '../../src/cli/demo.js';
import { exportCommand } from '../../src/cli/export.js';
import { importCommand } from '../../src/cli/import.js';
import { keysCommand } from '../../src/cli/keys.js';
import { migrateCommand } from '../../src/cli/migrate.js';
import { mockProviderCommand } from '../../src/cli/mock-provider.js';
import { outcomesCommand } from '../../src/cli/outcomes.js';
import { reconcileCommand } from '../../src/cli/reconcile.js';
import { replayCommand } from '../../src/cli/replay.js';
import { roiCommand } from '../../src/cli/roi.js';
import { routesCommand } from '../../src/cli/routes.js';
import { runsCommand } from '../../src/cli/runs.js';
import { savingsCommand } from '../../src/cli/savings.js';
import { spendCommand } from '../../src/cli/spend.js';
import { startCommand } from '../../src/cli/start.js';
import { wasteCommand } from '../../src/cli/waste.js';

const commands = [startCommand, keysCommand, spendCommand, budgetsCommand, runsCommand, routesCommand, savingsCommand, wasteCommand, outcomesCommand, roiCommand, importCommand, reconcileCommand, exportCommand, replayCommand, migrateCommand, mockProviderCommand, demoCommand].map((f) => f());

function undocumented(cmd: Command, path: string[] = []): string[] {
  const here = [...path, cmd.name()].join(' ');
  const out: string[] = [];
  if (cmd.description() === '') out.push(here);
  for (const o of cmd.options) if (!o.description) out.push(`${here} ${o.flags}`);
  for (const sub of cmd.commands) out.push(...undocumented(sub, [...path, cmd.name()]));
  return out;
}

describe('tollgate --help', () => {
  it('describes every command and option', () => {
    expect(commands.flatMap((c) => undocumented(c))).toEqual([]);
  });

  it('names every sub-command in its parent\'s description', () => {
    const budgets = budgetsCommand();
    for (const sub of budgets.commands) {
      const verb = { set: 'set', list: 'list', rm: 'remove', forecast: 'forecast' }[sub.name()];
      expect(budgets.description()).toContain(verb);
    }
  });
});
