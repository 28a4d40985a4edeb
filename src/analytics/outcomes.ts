/**
 * Outcomes clients and CI report (a merged PR, a resolved ticket) with their value: validated here for
 * both the admin API and `tollgate outcomes add`, stored as integer nano-dollars.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CONTROL_CHARS_MESSAGE, isPlainText } from '../config/plain-text.js';
import { nanosToUsd, usdToNanos } from '../pricing/money.js';
import type { OutcomeRecord } from '../storage/types.js';
import { isLedgerTime, parseTime } from './spend-report.js';

/** The most one outcome may be worth, in USD. */
export const MAX_OUTCOME_USD = 1_000_000;

const name = z.string().min(1).max(200).refine(isPlainText, CONTROL_CHARS_MESSAGE);

export const outcomeInputSchema = z
  .object({
    run: name.optional(),
    project: name.optional(),
    team: name.optional(),
    agent: name.optional(),
    label: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'a label is 1-100 letters, digits, _ . : - (e.g. pr_merged)'),
    // A million dollars per outcome is far beyond any real one; it keeps sums exact in nano-dollars.
    value_usd: z.number().finite().min(0).max(MAX_OUTCOME_USD),
    /** ISO date/time or epoch milliseconds; default now. */
    at: z.union([z.string().min(1), z.number().int().nonnegative().max(8.64e15)]).optional(),
  })
  .strict()
  .refine((o) => o.run !== undefined || o.project !== undefined || o.team !== undefined, { message: 'an outcome needs at least one of run, project, team' });

export type OutcomeInput = z.infer<typeof outcomeInputSchema>;

/** Parse an outcome; throws a RangeError with a readable message on bad input. */
export function outcomeRecord(input: unknown, now: number): OutcomeRecord {
  const parsed = outcomeInputSchema.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    // A rule on the whole outcome (which of run, project, team) names no field.
    throw new RangeError(`Invalid outcome: ${i && i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i?.message}`);
  }
  const o = parsed.data;
  let at: number | undefined;
  try {
    // The times every report takes (ISO, 30d, epoch ms), strictly: "foo 5" is not May 2001.
    at = o.at === undefined ? now : typeof o.at === 'number' ? o.at : parseTime(o.at, now);
  } catch {
    at = undefined;
  }
  if (at === undefined || !isLedgerTime(at)) throw new RangeError(`Invalid outcome: at: not a date/time from 1970 to 2100: "${String(o.at)}"`);
  return {
    id: `out_${randomUUID().replaceAll('-', '')}`,
    run: o.run ?? null,
    project: o.project ?? null,
    team: o.team ?? null,
    agent: o.agent ?? null,
    label: o.label,
    valueNanos: usdToNanos(o.value_usd),
    at,
    createdAt: now,
  };
}

export function outcomeView(o: OutcomeRecord): Record<string, unknown> {
  return {
    id: o.id,
    run: o.run,
    project: o.project,
    team: o.team,
    agent: o.agent,
    label: o.label,
    value_usd: nanosToUsd(o.valueNanos),
    value_nanos: o.valueNanos,
    at: new Date(o.at).toISOString(),
    created_at: new Date(o.createdAt).toISOString(),
  };
}
