/** `tollgate replay`: ledger calls through a policy file's budgets, run guard, routes and cache, in simulated time. */
export { replay, replayPages, ReplayEngine, type CallOutcome, type BlockedBy, type ReplayOptions } from './engine.js';
export { loadPolicy, policyFrom, type ReplayPolicy } from './policy.js';
export { ledgerPages } from './ledger.js';
export { formatReport } from './report-text.js';
export type { ReplayReport, SpendLine, BudgetLine } from './report.js';
