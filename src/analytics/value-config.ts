/**
 * Settings of the waste report (`waste:` in tollgate.yaml) and of ROI's low-value flags (`roi:`). Every
 * field has a default, so `{}` is the stated policy (see README.md beside this file).
 */
import { z } from 'zod';

const minutes = z.number().positive();

export const wasteConfigSchema = z
  .object({
    /** A successful call repeating a byte-identical request of its team within this many minutes is a duplicate. */
    duplicate_window_minutes: minutes.default(60),
    /** A call repeating a failed request of its team within this many minutes is a retry. */
    retry_window_minutes: minutes.default(60),
    /** Calls to expensive models that a cheap model handles; off unless `cheap_model` is set. */
    oversized: z
      .object({
        /** A configured model (under models:) to reprice with. */
        cheap_model: z.string().min(1),
        /** Models at or above this tier count as expensive; default: any tier above the cheap model's. */
        min_tier: z.number().int().min(0).optional(),
        /** Whole prompt (input + cached + cache writes) at most this many tokens. */
        max_input_tokens: z.number().int().nonnegative().default(2_000),
        /** Everything generated (output + reasoning) at most this many tokens. */
        max_output_tokens: z.number().int().nonnegative().default(500),
        /** Calls that used reasoning tokens need a reasoning model: not oversized. */
        no_reasoning: z.boolean().default(true),
      })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

export const roiConfigSchema = z
  .object({
    /** "Spend climbing with no outcomes": the last 7 days cost at least `factor` x the 7 days before. */
    rising: z
      .object({ factor: z.number().min(1).default(1.5), min_usd: z.number().nonnegative().default(1) })
      .strict()
      .prefault({}),
    /** "Synthetic-looking": at least `min_calls` tiny prompts repeating a request of the team within the window. */
    synthetic: z
      .object({
        min_calls: z.number().int().positive().default(50),
        max_prompt_tokens: z.number().int().nonnegative().default(64),
        window_minutes: minutes.default(60),
        /** ...and at least this share of the group's calls in the report window. */
        min_share: z.number().min(0).max(1).default(0.25),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type WasteConfig = z.infer<typeof wasteConfigSchema>;
export type RoiConfig = z.infer<typeof roiConfigSchema>;
