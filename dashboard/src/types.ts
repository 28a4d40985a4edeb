/** Shapes of the admin API's answers, as the pages use them. */
export interface Budget {
  id: string;
  scope: string;
  period: string;
  limit_usd: number;
  alert_at: number[];
  clamp: boolean;
  source: string;
  period_start: string | null;
  resets_at: string | null;
  spent_usd?: number;
  reserved_usd?: number;
  utilisation?: number | null;
  downgrade: { at_pct: number; model: string } | null;
}

export interface Forecast {
  budget_id: string;
  scope: string;
  period: string;
  limit_usd: number;
  spent_usd: number;
  period_start: string;
  period_end: string;
  projected_usd: number;
  projected_low_usd: number;
  projected_high_usd: number;
  exhausts_at: string | null;
  sentence: string;
  method: string;
  history: { date: string; usd: number }[];
  projection: { date: string; usd: number; low_usd: number; high_usd: number }[];
  pacing: null | { action: string; allowance_today_usd: number; spent_today_usd: number; state: 'ok' | 'over' };
}

export type SpendRow = Record<string, string | number | null> & { cost_usd: number; calls: number };
export interface SpendAnswer {
  group_by: string | string[];
  data: SpendRow[];
}

export interface RunView {
  run: string;
  /** A run is its team and its id: two teams may send the same id. */
  team: string;
  status: string;
  status_reason: string | null;
  /** Who stopped a paused or terminated run (null while active). */
  stopped_by: 'guard' | 'operator' | null;
  allow_listed: boolean;
  started_at: string;
  last_at: string;
  calls: number;
  refused: number;
  failed: number;
  in_flight: number;
  cost_usd: number;
  agents: { name: string; calls: number }[];
  max_depth: number;
  warnings: number;
  scores: Record<string, number>;
  evidence: { detector: string; score: number; summary: string; calls: string[] }[];
}

export interface CallView {
  id: string;
  started_at: string;
  ended_at: string;
  team: string;
  agent: string | null;
  parent: string | null;
  served_model: string | null;
  requested_model: string | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  status: string;
  http_status: number;
  error_code: string | null;
}
