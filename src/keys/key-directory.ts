/**
 * An in-memory view of the key table so authentication costs no I/O. Changes made through this
 * process apply at once; changes made by another process (the CLI, another instance) are picked up
 * by polling the store's keys version every `refreshMs`.
 */
import type { KeyRecord, Store } from '../storage/types.js';

export class KeyDirectory {
  private byId = new Map<string, KeyRecord>();
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

  get(id: string): KeyRecord | undefined {
    return this.byId.get(id);
  }

  /** Apply a change made through this process immediately. */
  put(key: KeyRecord): void {
    this.byId.set(key.id, key);
  }

  /** Reload when the store's version moved (or always, when forced). */
  refresh(force: boolean): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const v = await this.store.keysVersion();
        if (!force && v === this.version) return;
        const keys = await this.store.listKeys();
        this.byId = new Map(keys.map((k) => [k.id, k]));
        this.version = v;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
