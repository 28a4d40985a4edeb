/**
 * How busy the rest of the machine was during a measured run. The machine is shared, so each sample
 * records the CPU used by processes that are not part of the bench (all busy CPU time minus the
 * target's, the mock's, this process's and its reaped children's, i.e. wrk's) and the time the
 * hypervisor stole. Both are in cores (CPU seconds per wall second).
 */
import { readFile } from 'node:fs/promises';
import { cpuTimeUs, ticksToUs } from './children.mjs';

async function systemCpu() {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busyUs: ticksToUs(user + nice + system + irq + softirq), stealUs: ticksToUs(steal) };
}

/** This process plus its waited-for children (wrk runs end before the snapshot after them). */
async function benchCpu() {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return ticksToUs(f[11] + f[12] + f[13] + f[14]);
}

export async function loadSnapshot(pids) {
  const [sys, bench, ...procs] = await Promise.all([systemCpu(), benchCpu(), ...pids.map(cpuTimeUs)]);
  return { at: performance.now(), ...sys, bench, procs };
}

/** { otherCores, stealCores } between two snapshots of the same pids. */
export function otherLoad(before, after) {
  const wallUs = (after.at - before.at) * 1000;
  if (wallUs <= 0) return { otherCores: null, stealCores: null };
  let ours = after.bench - before.bench;
  for (let i = 0; i < before.procs.length; i++) ours += (after.procs[i] ?? 0) - (before.procs[i] ?? 0);
  const other = Math.max(0, after.busyUs - before.busyUs - ours);
  const r = (x) => Math.round(x * 100) / 100;
  return { otherCores: r(other / wallUs), stealCores: r((after.stealUs - before.stealUs) / wallUs) };
}
