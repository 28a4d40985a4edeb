/**
 * Keep an in-memory copy of a table fresh: reload it when the store's version counter for that table
 * moves, polled every `refreshMs` (changes made by another process: the CLI, another instance).
 * Concurrent refreshes share one round trip.
 */
export class VersionPoller {
  private version = -1;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly readVersion: () => Promise<number>,
    private readonly reload: () => Promise<void>,
    private readonly refreshMs: number,
  ) {}

  async start(): Promise<void> {
    await this.refresh(true);
    this.timer = setInterval(() => void this.refresh(false).catch(() => undefined), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reload when the version moved (or always, when forced). */
  refresh(force: boolean): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const v = await this.readVersion();
        if (!force && v === this.version) return;
        await this.reload();
        this.version = v;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
