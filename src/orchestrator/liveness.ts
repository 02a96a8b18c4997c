import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { OrchestrationRow } from "../store/orchestrations.ts";
import { ageMs, parseSqlTime } from "../store/time.ts";

/** Whether a pid is a live process on this machine (signal 0 probes without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

let bootTimeMs: number | null | undefined;
const clockTicksPerSecond = 100; // USER_HZ, 100 on every Linux this ships for

/** When a process started (ms since the epoch), from /proc; null where /proc cannot tell. */
export function processStartMs(pid: number): number | null {
  try {
    if (bootTimeMs === undefined) {
      const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
      bootTimeMs = btime ? Number(btime[1]) * 1000 : null;
    }
    if (bootTimeMs === null) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; starttime is field 22 overall.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return bootTimeMs + (Number(fields[19]) / clockTicksPerSecond) * 1000;
  } catch {
    return null;
  }
}

type OwnerFields = Pick<OrchestrationRow, "status" | "owner_pid" | "owner_host" | "heartbeat_at" | "save_interval_s">;

/**
 * The recorded owner is still running: its pid is alive and that process started before
 * the last heartbeat it wrote (after a reboot or a long time the pid may belong to
 * something else).
 */
function ownerAlive(row: OwnerFields): boolean {
  if (row.owner_pid === null || !processAlive(row.owner_pid)) return false;
  const started = processStartMs(row.owner_pid);
  if (started === null || row.heartbeat_at === null) return true;
  // /proc/stat btime has one-second resolution: allow for it.
  return started <= parseSqlTime(row.heartbeat_at).getTime() + 2000;
}

/**
 * A `running` orchestration whose owner is gone (a crash, kill -9, a reboot) was
 * interrupted: it is shown and treated as paused. On this machine the owner's process
 * is checked directly — a live owner (even a suspended one, or one busy planning) is
 * never taken over; an owner on another machine counts as gone once its heartbeat is
 * older than twice its save interval.
 */
export function isInterrupted(row: OwnerFields, now = Date.now()): boolean {
  if (row.status !== "running") return false;
  if (row.owner_pid === null) return true;
  if (row.owner_host === hostname()) return !ownerAlive(row);
  return ageMs(row.heartbeat_at, now) > 2 * row.save_interval_s * 1000;
}

/** The status people see: 'paused (interrupted)' for a running orchestration nobody drives. */
export function displayStatus(row: OwnerFields): string {
  return isInterrupted(row) ? "paused (interrupted)" : row.status;
}
