/**
 * Ledger rows the store still refused when the gateway stopped (Postgres down, say) are written to a
 * file beside the ledger instead of only to the log, and the next start hands them to the store again
 * (a repeated call id is ignored there, so a file read twice adds nothing). Only at shutdown and
 * start-up, never on the request path: the synchronous file calls here are deliberate.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallRow } from '../storage/types.js';

const PREFIX = 'unwritten-';
/** Columns a row spilled by an earlier version has not got. */
const SPILLED_BEFORE = { webSearches: 0, serviceTier: null } as const;
const SUFFIX = '.ndjson';

/** Write `rows` to a new file in `dir`; its path, or throws. */
export function spillRows(dir: string, rows: readonly CallRow[]): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${PREFIX}${Date.now()}-${process.pid}${SUFFIX}`);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
  return path;
}

/** The rows of the spill files in `dir` (none when it does not exist), and the files read. */
export function readSpilled(dir: string): { rows: CallRow[]; files: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX));
  } catch {
    return { rows: [], files: [] };
  }
  const rows: CallRow[] = [];
  const files = names.sort().map((n) => join(dir, n));
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim() !== '') rows.push({ ...SPILLED_BEFORE, ...(JSON.parse(line) as CallRow) });
  }
  return { rows, files };
}

export function removeSpilled(files: readonly string[]): void {
  for (const f of files) {
    try {
      unlinkSync(f);
    } catch {
      // Gone already: nothing to do.
    }
  }
}
