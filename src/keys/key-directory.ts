/**
 * An in-memory view of the key table so authentication costs no I/O. Changes made through this
 * process apply at once; changes made by another process (the CLI, another instance) are picked up
 * by polling the store's keys version every `refreshMs`.
 */
import type { KeyRecord, Store } from '../storage/types.js';
import { VersionPoller } from '../storage/version-poller.js';

export class KeyDirectory {
  private byId = new Map<string, KeyRecord>();
  private readonly poller: VersionPoller;

  constructor(store: Store, refreshMs = 500) {
    this.poller = new VersionPoller(
      () => store.keysVersion(),
      async () => {
        this.byId = new Map((await store.listKeys()).map((k) => [k.id, k]));
      },
      refreshMs,
    );
  }

  start(): Promise<void> {
    return this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  get(id: string): KeyRecord | undefined {
    return this.byId.get(id);
  }

  /** Apply a change made through this process immediately. */
  put(key: KeyRecord): void {
    this.byId.set(key.id, key);
  }

  refresh(force: boolean): Promise<void> {
    return this.poller.refresh(force);
  }
}
