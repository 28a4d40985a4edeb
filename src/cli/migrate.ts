/** `tollgate migrate`: bring the configured store's tables up to date, e.g. before rolling out new instances. */
import { Command } from 'commander';
import { configFrom, withConfig, withStore } from './common.js';

export function migrateCommand(): Command {
  return withConfig(new Command('migrate'))
    .description("apply the store's pending migrations and print its schema version")
    .action(async (o: { config: string }) => {
      const config = await configFrom(o);
      // Opening the store applies pending migrations (safe while other instances start too).
      const version = await withStore(config, (store) => store.getMeta('schema_version'));
      console.log(`Store (${config.store.kind}) is at schema version ${version ?? 0}.`);
    });
}
