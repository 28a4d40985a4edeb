/**
 * The CLI on ordinary mistakes, as a new user makes them: one `tollgate...: message` line and exit 1, never
 * a stack trace; input the admin API would refuse is refused here too; the admin commands find the
 * gateway from the config.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deadPort } from './net.js';
import { CLI, exited, tempConfig, tollgate } from './process.js';

// Each CLI run starts a process; on a loaded machine that takes seconds.
vi.setConfig({ testTimeout: 120_000 });
const NO_URL = { TOLLGATE_URL: '', TOLLGATE_ADMIN_KEY: 'cli-test-admin-key', TOLLGATE_DEBUG: '' };

let dir: string;
let cfg: string;
beforeAll(() => {
  ({ dir, cfg } = tempConfig('tollgate-cli-errors-', (dir) => [
    `store: { kind: sqlite, path: "${join(dir, 'l.db')}" }`,
    'providers:',
    '  openai: { kind: openai, base_url: "https://api.openai.com/v1", api_key: "x" }',
    'models:',
    '  gpt-4o-mini: { provider: openai }',
  ]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Failure {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI expecting it to fail; returns its exit code and output. */
async function fails(args: string[], env: NodeJS.ProcessEnv = NO_URL): Promise<Failure> {
  const r = await tollgate(args, env).then(
    (ok) => ({ code: 0, ...ok }),
    (e: Failure) => e,
  );
  expect(r.code, `tollgate ${args.join(' ')} should fail:\n${r.stdout}`).not.toBe(0);
  return r;
}

const oneLine = (r: Failure, pattern: RegExp): void => {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toMatch(/^tollgate[\w ]*: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

describe('tollgate on mistakes', () => {
  it('reports bad report options and a bad config in one line, exit 1', async () => {
    oneLine(await fails(['spend', '-c', cfg, '--by', 'colour']), /--by must list .*not "colour"/);
    oneLine(await fails(['spend', '-c', cfg, '--since', 'yesterday']), /not a time: "yesterday"/);
    // A bare short number is neither a duration nor epoch ms (those have 10+ digits): refused, not read as 1970.
    oneLine(await fails(['spend', '-c', cfg, '--since', '0']), /not a time: "0"/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'models:\n  m: { provider: nope }\n');
    oneLine(await fails(['keys', 'list', '-c', bad]), /models\.m\.provider/);
  });

  it('keeps the stack with TOLLGATE_DEBUG=1', async () => {
    const r = await fails(['spend', '-c', cfg, '--since', 'yesterday'], { ...NO_URL, TOLLGATE_DEBUG: '1' });
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it("finds the gateway at the config's server address, and says so when nothing listens there", async () => {
    const port = await deadPort();
    const here = join(dir, 'dead.yaml');
    writeFileSync(here, `server: { port: ${port} }\nstore: { kind: sqlite, path: "${join(dir, 'l.db')}" }\n`);
    oneLine(await fails(['runs', 'list', '-c', here]), new RegExp(`cannot reach the gateway at http://127\\.0\\.0\\.1:${port}`));
    oneLine(await fails(['budgets', 'forecast', '-c', here]), new RegExp(`cannot reach the gateway at http://127\\.0\\.0\\.1:${port}`));
    for (const args of [['runs', 'list'], ['runs', 'kill'], ['budgets', 'forecast']]) expect((await tollgate([...args, '--help'])).stdout).toMatch(/-c, --config <file>/);
  });

  it('reaches the gateway the config names, and tells CLI users to use --team on an ambiguous run', async () => {
    const seen: string[] = [];
    const srv: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/admin/v1/runs?limit=50') {
        res.end(JSON.stringify({ data: [] }));
        return;
      }
      res.statusCode = 409;
      res.end(JSON.stringify({ error: { type: 'run_ambiguous', message: 'Run id r1 is live under 2 teams (a, b): name one with ?team=.' } }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as { port: number }).port;
      const live = join(dir, 'live.yaml');
      writeFileSync(live, `server: { port: ${port} }\nstore: { kind: sqlite, path: "${join(dir, 'l.db')}" }\n`);
      expect((await tollgate(['runs', 'list', '-c', live], NO_URL)).stdout).toMatch(/No live runs/);
      const r = await fails(['runs', 'show', 'r1', '-c', live]);
      oneLine(r, /name one with --team <team>\./);
      expect(r.stderr).not.toContain('?team=');
      // TOLLGATE_URL overrides the config.
      oneLine(await fails(['runs', 'list', '-c', live], { ...NO_URL, TOLLGATE_URL: `http://127.0.0.1:${await deadPort()}` }), /cannot reach the gateway/);
      expect(seen).toEqual(['GET /admin/v1/runs?limit=50', 'GET /admin/v1/runs/r1']);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  it('refuses keys and budgets the admin API would refuse', async () => {
    oneLine(await fails(['keys', 'create', '-c', cfg, '--team', 'a', '--models', 'nope-model']), /unknown model\(s\) nope-model/);
    oneLine(await fails(['keys', 'create', '-c', cfg, '--team', '']), /--team must name a team/);
    for (const models of ['', ',']) oneLine(await fails(['keys', 'create', '-c', cfg, '--team', 'a', '--models', models]), /an empty model list would allow no model; omit --models to allow every model/);
    oneLine(await fails(['budgets', 'set', 'team:a', '-c', cfg, '--usd', '5', '--downgrade-to', 'nope']), /unknown model nope \(--downgrade-to\)/);
    oneLine(await fails(['budgets', 'set', 'team:a', '-c', cfg, '--usd', '5', '--downgrade-at', '50']), /--downgrade-at needs --downgrade-to/);
    // Nothing was created by the refusals; a configured model is accepted.
    expect(JSON.parse((await tollgate(['keys', 'list', '-c', cfg, '--json'])).stdout)).toEqual([]);
    expect(JSON.parse((await tollgate(['budgets', 'list', '-c', cfg, '--json'])).stdout)).toEqual({ data: [] });
    expect((await tollgate(['keys', 'create', '-c', cfg, '--team', 'a', '--models', 'gpt-4o-mini'])).stdout).toMatch(/Created key/);
    expect((await tollgate(['budgets', 'set', '--help'])).stdout).toMatch(/80%/);
    // The list shows a token limit beside the USD one, as the admin API does.
    await tollgate(['budgets', 'set', 'team:a', '-c', cfg, '--usd', '5', '--tokens', '1200', '--period', 'day']);
    await tollgate(['budgets', 'set', 'team:b', '-c', cfg, '--usd', '7']);
    const listed = (await tollgate(['budgets', 'list', '-c', cfg])).stdout.split('\n');
    expect(listed[0]).toMatch(/^id\s+limit_usd\s+limit_tokens\s+resets_at\s+source$/);
    expect(listed.find((l) => l.startsWith('team:a/day'))).toMatch(/^team:a\/day\s+5\s+1200\s+\S+\s+api$/);
    expect(listed.find((l) => l.startsWith('team:b/month'))).toMatch(/^team:b\/month\s+7\s+-\s+\S+\s+api$/);
    expect(JSON.parse((await tollgate(['budgets', 'list', '-c', cfg, '--json'])).stdout).data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'team:a/day', limit_usd: 5, limit_tokens: 1200 })]),
    );
  });

  it('exits when the gateway cannot start: its port taken, a port that is no port', async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const port = String((taken.address() as { port: number }).port);
      oneLine(await fails(['start', '-c', cfg, '--port', port], { ...NO_URL, TOLLGATE_ADMIN_KEY: 'cli-test-admin-key' }), new RegExp(`^tollgate: 127.0.0.1:${port} is already in use .*another port with --port N`));
      oneLine(await fails(['demo', '--port', port]), new RegExp(`^tollgate: 127.0.0.1:${port} is already in use .*another port with --port N \\(EADDRINUSE\\)`));
    } finally {
      taken.close();
    }
    oneLine(await fails(['start', '-c', cfg, '--port', 'abc'], { ...NO_URL, TOLLGATE_ADMIN_KEY: 'cli-test-admin-key' }), /port/i);
    const demo = await fails(['demo', '--port', 'abc']);
    oneLine(demo, /port/i);
    expect(demo.stderr).not.toMatch(/^\s*\[/m);
  });

  it('reads times strictly: no lenient date parsing, no day that does not exist', async () => {
    for (const t of ['foo 5', 'x-1', '5.5', 'March 7', '2025-02-30', '']) oneLine(await fails(['spend', '-c', cfg, '--since', t]), /not a time/);
    oneLine(await fails(['outcomes', 'add', '-c', cfg, '--run', 'r', '--label', 'x', '--value', '5', '--at', 'foo 5']), /at: not a date\/time/);
  });

  it('refuses option values that are not what they say (a limit of abc, hex dollars), in the same one-line form', async () => {
    oneLine(await fails(['routes', 'test', '-c', cfg, '--model', 'gpt-4o-mini', '--prompt-tokens', 'abc']), /prompt-tokens.*expected a whole number/);
    oneLine(await fails(['routes', 'test', '-c', cfg, '--model', 'gpt-4o-mini', '--budget-used', 'abc']), /budget-used.*expected a decimal number/);
    oneLine(await fails(['outcomes', 'list', '-c', cfg, '--limit', '-1']), /limit.*expected a whole number/);
    oneLine(await fails(['outcomes', 'add', '-c', cfg, '--run', 'r', '--label', 'x', '--value', '0x10']), /value.*expected a decimal number from 0 to 1000000, in digits/);
    oneLine(await fails(['outcomes', 'add', '-c', cfg, '--run', 'r', '--label', 'x', '--value', '2000000']), /value.*from 0 to 1000000/);
    oneLine(await fails(['runs', 'list', '-c', cfg, '--limit', '2.5']), /limit.*expected a whole number/);
    oneLine(await fails(['keys', 'revoke', '-c', cfg, 'nope']), /no key with id nope/);
    oneLine(await fails(['budgets', 'rm', '-c', cfg, 'nope']), /no budget nope/);
  });

  it('refuses a store path naming an unset variable (it would open a ledger elsewhere), and says when no config is found', async () => {
    const bad = join(dir, 'unset.yaml');
    writeFileSync(bad, 'store: { kind: sqlite, path: "${SURELY_UNSET_TOLLGATE_DIR}/l.db" }\n');
    oneLine(await fails(['spend', '-c', bad]), /store names \$\{SURELY_UNSET_TOLLGATE_DIR\}, which is not set/);
    const empty = join(dir, 'no-config');
    mkdirSync(empty, { recursive: true });
    const r = await promisify(execFile)(process.execPath, [CLI, 'spend'], { cwd: empty, timeout: 20_000 });
    expect(r.stderr).toMatch(/no \.\/tollgate\.yaml here; using the default ledger/);
  });

  it('export csv: a folder or a missing folder as --out, a reversed window: one line each', async () => {
    oneLine(await fails(['export', 'csv', '-c', cfg, '-o', dir]), /EISDIR/);
    oneLine(await fails(['export', 'csv', '-c', cfg, '-o', join(dir, 'nope', 'x.csv')]), /ENOENT/);
    oneLine(await fails(['export', 'csv', '-c', cfg, '--since', '2026-02-01', '--until', '2026-01-01']), /from must be before to/);
  });

  it('refuses options that would do nothing, and says a model is unknown', async () => {
    oneLine(await fails(['replay', '-c', cfg, '--calls']), /--calls .* add --json/);
    oneLine(await fails(['routes', 'test', '-c', cfg, '--model', 'nope']), /"nope" is not configured/);
    const roi = (await tollgate(['roi', '--help'])).stdout.split('\n').find((l) => l.includes('--sort'))!;
    expect(roi.match(/default/g)).toHaveLength(1);
    expect((await tollgate(['runs', 'show', '--help'])).stdout).toMatch(/not its individual calls/);
  });
});

describe('config file location', () => {
  it("opens the ledger next to the config file, whatever the working directory", async () => {
    const home = join(dir, 'proj');
    mkdirSync(join(home, 'sub'), { recursive: true });
    writeFileSync(join(home, 'tollgate.yaml'), 'timezone: UTC\n');
    await promisify(execFile)(process.execPath, [CLI, 'keys', 'list', '-c', '../tollgate.yaml'], { cwd: join(home, 'sub'), timeout: 20_000 });
    expect(existsSync(join(home, 'sub', '.tollgate'))).toBe(false);
    expect(existsSync(join(home, '.tollgate', 'ledger.db'))).toBe(true);
  });

  it('warns when `start` finds no config file and runs on defaults', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0'], { cwd: empty, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TOLLGATE_ADMIN_KEY: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await vi.waitFor(() => expect(out).toMatch(/tollgate listening/), { timeout: 30_000, interval: 100 });
      expect(out).toMatch(/no config file found: running on defaults/);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  });
});
