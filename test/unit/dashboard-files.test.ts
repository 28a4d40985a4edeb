/** A dashboard built after the gateway started is served without a restart; the folder is looked for at most once per recheck interval. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DashboardFiles, findBuiltRoot } from '../../src/server/dashboard-files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('DashboardFiles', () => {
  it('finds a build made after start, looking again at most once per recheck interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-dash-'));
    dirs.push(dir);
    let clock = 0;
    let looks = 0;
    const files = new DashboardFiles(() => (looks++, findBuiltRoot([dir])), { recheckMs: 1000, now: () => clock });
    expect(await files.load('index.html')).toBeNull();
    expect(await files.load('index.html')).toBeNull();
    expect(looks).toBe(1);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tollgate</title>');
    // Within the interval the missing build is remembered.
    clock = 999;
    expect(await files.load('index.html')).toBeNull();
    clock = 1000;
    const asset = await files.load('index.html');
    expect(asset?.body.toString()).toContain('Tollgate');
    expect(asset?.type).toBe('text/html; charset=utf-8');
    expect(looks).toBe(2);
    // Found once, the folder is not looked for again.
    clock = 5000;
    await files.load('index.html');
    expect(looks).toBe(2);
  });

  it('never serves a file outside the build folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-dash-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), 'x');
    const files = new DashboardFiles(() => findBuiltRoot([dir]));
    expect(await files.load('../package.json')).toBeNull();
    expect(await files.load('missing.js')).toBeNull();
  });
});
