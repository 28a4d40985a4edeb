/**
 * The calls of this instance that hold reservations, with the limits they hold them on: their leases
 * are renewed while they run, and on a failover they keep their holds on the local counters. The
 * limits sit in an array slot for slot with the call ids (see storage/memory/call-slots.ts why not a Map).
 */
import type { PlannedLimit } from '../policy/limits.js';
import { CallSlots } from '../storage/memory/call-slots.js';

export class CallsInFlight {
  private readonly ids = new CallSlots();
  private readonly limits: (PlannedLimit[] | null)[] = [];

  get size(): number {
    return this.ids.size;
  }

  idAt(slot: number): string {
    return this.ids.idAt(slot);
  }

  limitsAt(slot: number): PlannedLimit[] {
    return this.limits[slot]!;
  }

  /** The call holds reservations on `limits` (replacing what it held before). */
  hold(callId: string, limits: PlannedLimit[]): void {
    const slot = this.ids.find(callId);
    this.limits[slot < 0 ? this.ids.add(callId) : slot] = limits;
  }

  /** The call no longer holds its reservation. */
  land(callId: string): void {
    const slot = this.ids.find(callId);
    if (slot < 0) return;
    const moved = this.ids.removeAt(slot);
    if (moved >= 0) {
      this.limits[slot] = this.limits[moved]!;
      this.limits[moved] = null;
    } else this.limits[slot] = null;
  }
}
