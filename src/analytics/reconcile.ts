/**
 * Reconcile a provider's own usage and cost reports with Tollgate's ledger, per day, model and provider
 * key/workspace, and classify every difference beyond a tolerance:
 * - key_outside_gateway: usage on a provider key (or workspace) the gateway does not use;
 * - bypassed_gateway: usage on the gateway's key(s) for a day and model the ledger has no call for;
 * - metering_error: both sides saw traffic but token counts differ (either direction);
 * - price_drift: tokens agree, cost does not (the price book is out of date, or a discount applies).
 * Pure: rows in, report out; the CLI fetches the rows. Without any gateway key or workspace named, all
 * reported usage is taken as gateway traffic (only bypass, metering and price classes can appear).
 */
import type { CallRow, ProviderUsageRow } from '../storage/types.js';

export type FindingClass = 'key_outside_gateway' | 'bypassed_gateway' | 'metering_error' | 'price_drift';

export interface Side {
  /** Calls in the ledger; requests the provider reported (OpenAI only; 0 when not reported). */
  calls: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Output including reasoning (providers report them together). */
  outputTokens: number;
  /** Null when the side has no cost for this group (no cost report imported). */
  costNanos: number | null;
}

export interface Finding {
  class: FindingClass;
  day: string;
  model: string;
  apiKeyId: string | null;
  workspace: string | null;
  provider: Side;
  ledger: Side;
  detail: string;
}

export interface ReconcileOptions {
  gatewayKeys: readonly string[];
  gatewayWorkspaces: readonly string[];
  /** Relative difference (of the larger side) at or under which two numbers agree, e.g. 0.01. */
  tolerance: number;
  /** The provider's name for a ledger model (config alias -> upstream model). */
  upstreamModel?: (ledgerModel: string) => string;
}

export interface ReconcileReport {
  days: string[];
  tolerance: number;
  /** Day x model groups compared. */
  compared: number;
  findings: Finding[];
  counts: Record<FindingClass, number>;
}

const TOKEN_FIELDS = ['inputTokens', 'cachedInputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'outputTokens'] as const;

export function emptySide(): Side {
  return { calls: 0, inputTokens: 0, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, costNanos: null };
}

/** Model names compared without their date snapshot suffix: reports name "gpt-4o-mini-2024-07-18". */
export function comparableModel(model: string | null): string {
  if (model === null) return '(no model)';
  return model.toLowerCase().replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const tokenTotal = (s: Side): number => TOKEN_FIELDS.reduce((n, f) => n + s[f], 0);

function differs(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) > tolerance * Math.max(Math.abs(a), Math.abs(b));
}

function addCost(s: Side, nanos: number): void {
  s.costNanos = (s.costNanos ?? 0) + nanos;
}

/** Streaming accumulator: feed report rows and ledger calls, then `report()`. */
export class Reconciler {
  private readonly gateway = new Map<string, Side>();
  private readonly outside = new Map<string, { side: Side; day: string; model: string; apiKeyId: string | null; workspace: string | null }>();
  private readonly gatewayCost = new Map<string, number>();
  private readonly ledger = new Map<string, Side>();
  private readonly days = new Set<string>();
  private readonly hasMapping: boolean;

  constructor(private readonly opts: ReconcileOptions) {
    this.hasMapping = opts.gatewayKeys.length > 0 || opts.gatewayWorkspaces.length > 0;
  }

  private isGateway(r: ProviderUsageRow): boolean {
    if (!this.hasMapping) return true;
    return (r.apiKeyId !== null && this.opts.gatewayKeys.includes(r.apiKeyId)) || (r.workspace !== null && this.opts.gatewayWorkspaces.includes(r.workspace));
  }

  addReported(r: ProviderUsageRow): void {
    const day = dayOf(r.bucketStart);
    const model = comparableModel(r.model);
    const key = `${day}\u0000${model}`;
    this.days.add(day);
    if (r.kind === 'cost') {
      // Cost reports carry no API key: only a workspace can tell the gateway's spend apart.
      if (this.opts.gatewayWorkspaces.length === 0 || (r.workspace !== null && this.opts.gatewayWorkspaces.includes(r.workspace))) {
        this.gatewayCost.set(key, (this.gatewayCost.get(key) ?? 0) + r.costNanos);
      }
      return;
    }
    let side: Side;
    if (this.isGateway(r)) {
      side = this.gateway.get(key) ?? emptySide();
      this.gateway.set(key, side);
    } else {
      const okey = `${key}\u0000${r.apiKeyId ?? ''}\u0000${r.workspace ?? ''}`;
      const o = this.outside.get(okey) ?? { side: emptySide(), day, model, apiKeyId: r.apiKeyId, workspace: r.workspace };
      this.outside.set(okey, o);
      side = o.side;
    }
    side.calls += r.requests;
    for (const f of TOKEN_FIELDS) side[f] += r[f];
  }

  addCall(c: CallRow): void {
    const served = c.servedModel ?? c.requestedModel;
    const model = comparableModel(served === null ? null : (this.opts.upstreamModel?.(served) ?? served));
    const key = `${dayOf(c.startedAt)}\u0000${model}`;
    const side = this.ledger.get(key) ?? emptySide();
    this.ledger.set(key, side);
    side.calls++;
    side.inputTokens += c.inputTokens;
    side.cachedInputTokens += c.cachedInputTokens;
    side.cacheWrite5mTokens += c.cacheWrite5mTokens;
    side.cacheWrite1hTokens += c.cacheWrite1hTokens;
    side.outputTokens += c.outputTokens + c.reasoningTokens;
    addCost(side, c.costNanos);
  }

  report(): ReconcileReport {
    const tol = this.opts.tolerance;
    const findings: Finding[] = [];
    const outsideGroups = new Set<string>();
    for (const o of this.outside.values()) {
      if (tokenTotal(o.side) === 0) continue;
      outsideGroups.add(`${o.day}\u0000${o.model}`);
      findings.push({ class: 'key_outside_gateway', day: o.day, model: o.model, apiKeyId: o.apiKeyId, workspace: o.workspace, provider: o.side, ledger: emptySide(),
        detail: `provider usage on ${o.apiKeyId ? `key ${o.apiKeyId}` : `workspace ${o.workspace ?? '?'}`}, which the gateway does not use` });
    }
    const keys = new Set([...this.gateway.keys(), ...[...this.ledger.keys()].filter((k) => this.days.has(k.split('\u0000')[0]!))]);
    for (const key of keys) {
      const [day, model] = key.split('\u0000') as [string, string];
      const p = this.gateway.get(key) ?? emptySide();
      const l = this.ledger.get(key) ?? emptySide();
      if (this.gatewayCost.has(key)) p.costNanos = this.gatewayCost.get(key)!;
      const finding = (cls: FindingClass, detail: string): void => {
        findings.push({ class: cls, day, model, apiKeyId: null, workspace: null, provider: p, ledger: l, detail });
      };
      if (tokenTotal(p) > 0 && l.calls === 0) {
        finding('bypassed_gateway', this.hasMapping ? 'the gateway key was used for calls that never passed through the gateway' : 'the provider reports usage the ledger never saw');
        continue;
      }
      if (l.calls > 0 && tokenTotal(l) > 0 && tokenTotal(p) === 0) {
        finding('metering_error', 'the ledger has calls the provider did not report');
        continue;
      }
      const off = TOKEN_FIELDS.filter((f) => differs(p[f], l[f], tol));
      if (off.length > 0) {
        finding('metering_error', off.map((f) => `${f}: provider ${p[f]}, ledger ${l[f]}`).join('; '));
        continue;
      }
      // Without workspaces, a day/model with outside usage has its cost mixed with the gateway's.
      const costComparable = p.costNanos !== null && l.costNanos !== null && (this.opts.gatewayWorkspaces.length > 0 || !outsideGroups.has(key));
      if (costComparable && differs(p.costNanos!, l.costNanos!, tol)) {
        finding('price_drift', `tokens agree; provider cost $${(p.costNanos! / 1e9).toFixed(6)}, ledger $${(l.costNanos! / 1e9).toFixed(6)}`);
      }
    }
    findings.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : a.class < b.class ? -1 : 1));
    const counts: Record<FindingClass, number> = { key_outside_gateway: 0, bypassed_gateway: 0, metering_error: 0, price_drift: 0 };
    for (const f of findings) counts[f.class]++;
    return { days: [...this.days].sort(), tolerance: tol, compared: keys.size, findings, counts };
  }
}
