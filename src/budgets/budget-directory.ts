/**
 * Budget definitions in memory, indexed by scope, so planning a call costs no I/O. Changes through
 * this process apply at once; changes by other processes within `refreshMs` (polling a version).
 */
import type { BudgetRecord, Store } from '../storage/types.js';

export class BudgetDirectory {
  private byScope = new Map<string, BudgetRecord[]>();
  private all: BudgetRecord[] = [];
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly refreshMs = 500,
  ) {}

  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false).catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get scopes(): ReadonlyMap<string, readonly BudgetRecord[]> {
    return this.byScope;
  }

  list(): readonly BudgetRecord[] {
    return this.all;
  }

  private index(list: BudgetRecord[]): void {
    this.all = list;
    const m = new Map<string, BudgetRecord[]>();
    for (const b of list) {
      const arr = m.get(b.scope);
      if (arr) arr.push(b);
      else m.set(b.scope, [b]);
    }
    this.byScope = m;
  }

  /** Re-read now (after a change made through this process). */
  refresh(force: boolean): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const v = await this.store.budgetsVersion();
        if (!force && v === this.version) return;
        this.index(await this.store.listBudgets());
        this.version = v;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
