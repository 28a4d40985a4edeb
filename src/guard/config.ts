/**
 * The run guard's settings (`guard:` in tollgate.yaml). Every field has a default, so
 * `guardConfigSchema.parse({})` is the default policy. The defaults are chosen to never stop the
 * healthy runs in eval/guard (a 200-call coding session, a 50-worker fan-out, polling, a converging
 * debate, retries after upstream errors) while stopping the loops there within a few calls.
 *
 * Scores: each detector maps its count to 0..1 (count / `streak` or `stale_calls`); a call "detects"
 * when a score reaches the detector's `threshold`. With the defaults, 3 identical tool calls in a row
 * warn (as Cline does) and 5 terminate (as Gemini CLI does).
 */
import { z } from 'zod';

const count = z.number().int().positive();
const share = z.number().min(0).max(1);

/** A cap; null means no cap. */
const cap = (value: number) => z.number().positive().nullable().default(value);

const capsSchema = z
  .object({
    /** Calls per run (OpenHands' max_iterations default is 500). */
    max_calls: cap(500),
    /** Cost per run in USD. */
    max_cost_usd: cap(100),
    /** Depth of the call tree built from x-tollgate-parent. */
    max_depth: cap(64),
    /** From the run's first call (12 h). */
    max_wall_ms: cap(12 * 3_600_000),
    /** Calls of the run in flight at once (a 50-worker fan-out fits). */
    max_concurrent: cap(128),
  })
  .strict();

/** Caps for calls whose attribution matches `scope` ("key:ID", "team:NAME", "project:NAME"). */
const capOverrideSchema = z
  .object({
    scope: z.string().regex(/^(key|team|project|user):[^\s]+$/, 'a scope is key:ID, team:NAME, project:NAME or user:NAME'),
    max_calls: z.number().positive().nullable().optional(),
    max_cost_usd: z.number().positive().nullable().optional(),
    max_depth: z.number().positive().nullable().optional(),
    max_wall_ms: z.number().positive().nullable().optional(),
    max_concurrent: z.number().positive().nullable().optional(),
  })
  .strict();

/** Fields every detector has: on/off, and the score (0..1) at which a call counts as detecting. */
const base = (threshold: number) => ({ enabled: z.boolean().default(true), threshold: share.default(threshold) });

const detectorsSchema = z
  .object({
    /** A call that starts this long after its agent's previous call ended is paced (polling, a human), not looping. */
    min_gap_ms: z.number().int().min(0).default(15_000),
    /** An output with less than this share of shingles unseen in the run's recent outputs brings nothing new. */
    novelty_floor: share.default(0.5),
    repeated_requests: z
      .object({
        ...base(0.6),
        /** Sketch similarity (1 - differing bits / 64) at which two requests are near-duplicates. */
        similarity: share.default(0.9),
        /** Consecutive near-duplicate requests of one agent that make the score 1. */
        streak: count.default(5),
      })
      .strict()
      .prefault({}),
    repeated_tool_calls: z
      .object({ ...base(0.6), streak: count.default(5) })
      .strict()
      .prefault({}),
    agent_ping_pong: z
      .object({
        ...base(0.5),
        /** Longest agent cycle looked for (A-B-...-A-B-...). */
        max_period: z.number().int().min(2).max(8).default(5),
        /** Stale calls in a repeating agent cycle that make the score 1. */
        stale_calls: count.default(6),
        /** Output similarity to the same agent's previous turn at which a turn is stale. */
        similarity: share.default(0.85),
      })
      .strict()
      .prefault({}),
    echo_chatter: z
      .object({
        ...base(0.5),
        stale_calls: count.default(6),
        /** An output of at most this many content words that mostly affirms ("confirmed", "I agree") is an echo. */
        ack_max_words: count.default(24),
      })
      .strict()
      .prefault({}),
    context_bloat: z
      .object({
        ...base(0.5),
        stale_calls: count.default(6),
        /** Growth of the prompt per call (share) that counts as climbing. */
        min_growth: z.number().min(0).default(0.01),
      })
      .strict()
      .prefault({}),
    retry_storm: z
      .object({
        ...base(0.6),
        streak: count.default(5),
        /** A request identical to its agent's previous one, sent within this long after it ended, is a retry. */
        immediate_ms: z.number().int().min(0).default(2_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const escalationSchema = z
  .object({
    /** Warn (header + event) on the first detecting call. */
    warn: z.boolean().default(true),
    /** Pause after the first detection persists this many more calls (null: never pause). */
    pause_after: z.number().int().min(0).nullable().default(null),
    /** Terminate after the first detection persists this many more calls (null: never terminate). */
    terminate_after: z.number().int().min(0).nullable().default(2),
    /** Clean calls in a row that clear the escalation. */
    cool_down_calls: count.default(1),
  })
  .strict();

/** An optional model asked whether recent calls are unproductive (as Gemini CLI does); off by default. */
const judgeSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** A configured model name (its cost is metered like any call). */
    model: z.string().nullable().default(null),
    /** First judged after this many calls, then every `every_calls`. */
    after_calls: count.default(30),
    every_calls: count.default(10),
    /** Recent calls shown to the judge. */
    recent_calls: count.default(20),
    /** A "looping" verdict counts as a detection at or above this confidence. */
    min_confidence: share.default(0.9),
  })
  .strict();

export const guardConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    caps: capsSchema.prefault({}),
    cap_overrides: z.array(capOverrideSchema).default([]),
    detectors: detectorsSchema.prefault({}),
    escalation: escalationSchema.prefault({}),
    /** Run ids exempt from caps and detectors; `*` matches any characters ("nightly-*"). */
    allow_runs: z.array(z.string().min(1)).default([]),
    /** A paused run not resumed within this long ends per `on_pause_timeout`. */
    pause_timeout_ms: z.number().int().positive().default(15 * 60_000),
    on_pause_timeout: z.enum(['terminate', 'resume']).default('terminate'),
    judge: judgeSchema.prefault({}),
  })
  .strict();

export type GuardConfig = z.infer<typeof guardConfigSchema>;
export type DetectorsConfig = GuardConfig['detectors'];
export type DetectorName = Exclude<keyof DetectorsConfig, 'min_gap_ms' | 'novelty_floor'>;

export const DETECTOR_NAMES: readonly DetectorName[] = [
  'repeated_requests',
  'repeated_tool_calls',
  'agent_ping_pong',
  'echo_chatter',
  'context_bloat',
  'retry_storm',
];

/** The default policy. */
export function defaultGuardConfig(): GuardConfig {
  return guardConfigSchema.parse({});
}
