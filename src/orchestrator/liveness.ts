import { hostname } from "node:os";
import type { OrchestrationRow } from "../store/orchestrations.ts";
import { ageMs } from "../store/time.ts";

/** Whether a pid is a live process on this machine (signal 0 probes without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A `running` orchestration whose owner is gone, or whose heartbeat is older than twice
 * its save interval, was interrupted (a crash, kill -9, a reboot): it is shown and
 * treated as paused.
 */
export function isInterrupted(row: Pick<OrchestrationRow, "status" | "owner_pid" | "owner_host" | "heartbeat_at" | "save_interval_s">, now = Date.now()): boolean {
  if (row.status !== "running") return false;
  if (row.owner_pid === null) return true;
  if (row.owner_host === hostname() && !processAlive(row.owner_pid)) return true;
  return ageMs(row.heartbeat_at, now) > 2 * row.save_interval_s * 1000;
}

/** The status people see: 'paused (interrupted)' for a running orchestration nobody drives. */
export function displayStatus(row: Parameters<typeof isInterrupted>[0]): string {
  return isInterrupted(row) ? "paused (interrupted)" : row.status;
}
