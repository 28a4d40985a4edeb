/**
 * Budget definitions in memory, indexed by scope, so planning a call costs no I/O. Changes through
 * this process apply at once; changes by other processes within `refreshMs` (polling a version).
 */
import type { BudgetRecord, Store } from '../storage/types.js';
import { VersionPoller } from '../storage/version-poller.js';

export class BudgetDirectory {
  private byScope = new Map<string, BudgetRecord[]>();
  private all: BudgetRecord[] = [];
  private readonly poller: VersionPoller;

  constructor(store: Store, refreshMs = 500) {
    this.poller = new VersionPoller(
      () => store.budgetsVersion(),
      async () => this.index(await store.listBudgets()),
      refreshMs,
    );
  }

  start(): Promise<void> {
    return this.poller.start();
  }

  stop(): void {
    this.poller.stop();
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
    return this.poller.refresh(force);
  }
}
