// CPU and memory of processes on this machine, from /proc (Linux; USER_HZ is 100).
import { existsSync, readFileSync } from 'node:fs';

const TICK_US = 1e6 / 100;

/** CPU (user + system) a process has used so far, in microseconds; it must run on this machine. */
export function processCpuUs(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) throw new Error(`process ${pid} is not visible in /proc: it must run on this machine`);
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Microseconds the whole machine has spent busy (user, nice, system, irq, softirq; not steal), from /proc/stat. */
export function machineBusyUs(): number {
  const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq!) * TICK_US;
}

/** Resident memory of a process now and at its peak, in MB. */
export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
