/**
 * Config for importing history and reconciling provider reports (`import:` and `reconcile:` in
 * tollgate.yaml). Flags on the command line win over these.
 */
import { z } from 'zod';

export const importConfigSchema = z
  .object({
    claude_code: z
      .object({
        /** Team (and optionally user/project) every imported Claude Code call is attributed to. */
        team: z.string().min(1).default('imported'),
        user: z.string().min(1).optional(),
        project: z.string().min(1).optional(),
        /** Without a fixed project: the last path segment of the session's working directory. */
        project_from_cwd: z.boolean().default(true),
        /** Team by project name (after project_from_cwd), overriding `team` for those projects. */
        teams_by_project: z.record(z.string(), z.string().min(1)).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

const providerReconcileSchema = z
  .object({
    /** Provider API key ids the gateway itself uses: usage on any other key never passed through it. */
    gateway_keys: z.array(z.string().min(1)).default([]),
    /** Provider workspaces (Anthropic) or projects (OpenAI) that only the gateway uses. */
    gateway_workspaces: z.array(z.string().min(1)).default([]),
    /** Ledger provider names (under providers:) whose calls this provider's reports cover. */
    ledger_providers: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const reconcileConfigSchema = z
  .object({
    /** Differences at or under this fraction (of the larger side) are not reported. */
    tolerance: z.number().min(0).max(1).default(0.01),
    openai: providerReconcileSchema.prefault({}),
    anthropic: providerReconcileSchema.prefault({}),
  })
  .strict();

export type ImportConfig = z.infer<typeof importConfigSchema>;
export type ReconcileConfig = z.infer<typeof reconcileConfigSchema>;
export type ProviderReconcileConfig = z.infer<typeof providerReconcileSchema>;
