/** `tollgate keys create|list|revoke`, working on the store directly (no running gateway needed). */
import { Command } from 'commander';
import { createVirtualKey, resolveKeySecret } from '../keys/key-service.js';
import type { Config } from '../config/schema.js';
import { CONTROL_CHARS_MESSAGE, isPlainText } from '../config/plain-text.js';
import { configFrom, table, withConfig, withStore } from './common.js';

/**
 * The key's names and allow-list checked as the admin API checks them (a team, plain text, known models), so that the
 * CLI does not create keys the API would refuse. Returns the allow-list (null: every model).
 */
export function allowedModels(o: { team: string; user?: string; project?: string; name?: string; models?: string }, config: Pick<Config, 'models'>): string[] | null {
  if (o.team === '') throw new Error('--team must name a team');
  for (const field of ['team', 'user', 'project', 'name'] as const) {
    const v = o[field];
    if (v !== undefined && !isPlainText(v)) throw new Error(`--${field} ${CONTROL_CHARS_MESSAGE}`);
  }
  if (o.models === undefined) return null;
  const models = o.models.split(',').map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) throw new Error('--models lists no model: an empty model list would allow no model; omit --models to allow every model');
  const unknown = models.filter((m) => !Object.hasOwn(config.models, m));
  if (unknown.length) throw new Error(`unknown model(s) ${unknown.join(', ')}: --models takes models configured under models: in the config`);
  return models;
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('create, list and revoke virtual keys');

  keys.addCommand(
    withConfig(new Command('create'))
      .description('create a key; it is printed once and never stored')
      .requiredOption('--team <team>', 'team the key belongs to')
      .option('--user <user>', 'user the key belongs to')
      .option('--project <project>', 'project the key belongs to')
      .option('--models <list>', 'comma-separated models (configured under models:) the key may use (default: all)')
      .option('--name <name>', 'a label')
      .option('--unlimited', 'exempt from default budgets and rate limits')
      .option('--json', 'print JSON')
      .action(async (o: { config: string; team: string; user?: string; project?: string; models?: string; name?: string; unlimited?: boolean; json?: boolean }) => {
        const config = await configFrom(o);
        const models = allowedModels(o, config);
        await withStore(config, async (store) => {
          const secret = await resolveKeySecret(config, store);
          const { record, key } = await createVirtualKey(store, secret, { team: o.team, user: o.user, project: o.project, models, name: o.name, unlimited: o.unlimited });
          if (o.json) console.log(JSON.stringify({ id: record.id, key, team: record.team }));
          else console.log(`Created key ${record.id} for team ${record.team}. Store it now; it is not shown again:\n\n  ${key}\n`);
        });
      }),
  );

  keys.addCommand(
    withConfig(new Command('list'))
      .description('list keys (never their secrets)')
      .option('--json', 'print JSON')
      .action(async (o: { config: string; json?: boolean }) => {
        const config = await configFrom(o);
        const list = await withStore(config, (store) => store.listKeys());
        if (o.json) return console.log(JSON.stringify(list.map(({ hash: _h, ...k }) => k)));
        console.log(
          table(
            ['id', 'team', 'user', 'project', 'models', 'created', 'revoked'],
            list.map((k) => [k.id, k.team, k.user, k.project, k.models?.join(',') ?? 'all', new Date(k.createdAt).toISOString(), k.revokedAt ? new Date(k.revokedAt).toISOString() : null]),
          ),
        );
      }),
  );

  keys.addCommand(
    withConfig(new Command('revoke'))
      .description('revoke a key by id; running gateways refuse it within a second')
      .argument('<id>', 'key id')
      .action(async (id: string, o: { config: string }) => {
        const config = await configFrom(o);
        const ok = await withStore(config, (store) => store.revokeKey(id, Date.now()));
        if (!ok) {
          console.error(`tollgate keys revoke: no key with id ${id}.`);
          process.exitCode = 1;
        } else console.log(`Revoked ${id}.`);
      }),
  );
  return keys;
}
