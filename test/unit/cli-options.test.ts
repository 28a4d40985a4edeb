/** The CLI's own checks and defaults, without spawning it: gateway URL, admin messages, key options, config paths. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forCli, givenUrl, listenUrl } from '../../src/cli/gateway.js';
import { allowedModels } from '../../src/cli/keys.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the gateway the admin commands talk to', () => {
  it("follows the config's server host and port", () => {
    expect(listenUrl({ host: '127.0.0.1', port: 4100 })).toBe('http://127.0.0.1:4100');
    expect(listenUrl({ host: 'gw.internal', port: 80 })).toBe('http://gw.internal:80');
  });
  it('connects to loopback when the gateway binds every address', () => {
    expect(listenUrl({ host: '0.0.0.0', port: 4001 })).toBe('http://127.0.0.1:4001');
    expect(listenUrl({ host: '::', port: 4001 })).toBe('http://[::1]:4001');
    expect(listenUrl({ host: '::1', port: 4001 })).toBe('http://[::1]:4001');
  });
  it('--url, then TOLLGATE_URL, are given outright', () => {
    expect(givenUrl(undefined, {})).toBeUndefined();
    expect(givenUrl(undefined, { TOLLGATE_URL: '' })).toBeUndefined();
    expect(givenUrl(undefined, { TOLLGATE_URL: 'http://gw:9' })).toBe('http://gw:9');
    expect(givenUrl('http://cli:1', { TOLLGATE_URL: 'http://gw:9' })).toBe('http://cli:1');
  });
  it("names the --team option where the admin API names its ?team= parameter", () => {
    expect(forCli('Run id r1 is live under 2 teams (a, b): name one with ?team=.')).toBe('Run id r1 is live under 2 teams (a, b): name one with --team <team>.');
  });
});

describe('keys create options', () => {
  const config = { models: { 'gpt-a': {}, 'gpt-b': {} } } as never;
  it('no --models allows every model; a list must name configured models', () => {
    expect(allowedModels({ team: 't' }, config)).toBeNull();
    expect(allowedModels({ team: 't', models: 'gpt-a, gpt-b' }, config)).toEqual(['gpt-a', 'gpt-b']);
    expect(() => allowedModels({ team: 't', models: 'gpt-a,nope-model' }, config)).toThrow(/unknown model\(s\) nope-model/);
    expect(() => allowedModels({ team: 't', models: 'toString' }, config)).toThrow(/unknown model/);
  });
  it('refuses an empty allow-list rather than allowing every model', () => {
    for (const models of ['', ',', ' , ']) expect(() => allowedModels({ team: 't', models }, config)).toThrow(/an empty model list would allow no model; omit --models to allow every model/);
  });
  it('refuses an empty team', () => {
    expect(() => allowedModels({ team: '' }, config)).toThrow(/--team/);
  });
});

describe('config file paths', () => {
  it("resolves a relative SQLite path against the config file's directory, default included", async () => {
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'a.yaml'), 'store: { kind: sqlite, path: ./data/l.db }\n');
    writeFileSync(join(dir, 'conf', 'b.yaml'), 'timezone: UTC\n');
    writeFileSync(join(dir, 'conf', 'c.yaml'), `store: { kind: sqlite, path: ${join(dir, 'abs.db')} }\n`);
    const rel = join(dir, 'conf', '..', 'conf', 'a.yaml');
    expect((await loadConfig(rel)).config.store).toEqual({ kind: 'sqlite', path: join(dir, 'conf', 'data', 'l.db') });
    expect((await loadConfig(join(dir, 'conf', 'b.yaml'))).config.store).toEqual({ kind: 'sqlite', path: join(dir, 'conf', '.tollgate', 'ledger.db') });
    expect((await loadConfig(join(dir, 'conf', 'c.yaml'))).config.store).toEqual({ kind: 'sqlite', path: join(dir, 'abs.db') });
    // The schema's shared default is left as it was for the next config.
    expect(parseConfig('{}', {}).config.store).toEqual({ kind: 'sqlite', path: './.tollgate/ledger.db' });
  });
  it('says when no file was found and the defaults apply', async () => {
    const missing = await loadConfig(join(dir, 'none.yaml'));
    expect(missing.file).toBeNull();
    expect(missing.config.store).toEqual({ kind: 'sqlite', path: './.tollgate/ledger.db' });
    expect((await loadConfig(join(dir, 'conf', 'b.yaml'))).file).toBe(join(dir, 'conf', 'b.yaml'));
  });
});
