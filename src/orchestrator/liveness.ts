import type { OrchestrationRow } from "../store/orchestrations.ts";
import { ageMs, parseSqlTime } from "../store/time.ts";
import { hostName } from "../system/host.ts";
import { processAlive, processStartMs } from "../system/processes.ts";

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
 * A process still drives the orchestration, whatever its status says (a status set by hand,
 * e.g. the README's "force paused" query, does not stop the owner). On this machine the
 * owner's process is checked directly — a live owner (even a suspended one, or one busy
 * planning) is never taken over; an owner on another machine counts as gone once its
 * heartbeat is older than twice its save interval.
 */
export function hasLiveOwner(row: OwnerFields, now = Date.now()): boolean {
  if (row.owner_pid === null) return false;
  if (row.owner_host === hostName()) return ownerAlive(row);
  return ageMs(row.heartbeat_at, now) <= 2 * row.save_interval_s * 1000;
}

/**
 * A `running` orchestration whose owner is gone (a crash, kill -9, a reboot) was
 * interrupted: it is shown and treated as paused.
 */
export function isInterrupted(row: OwnerFields, now = Date.now()): boolean {
  return row.status === "running" && !hasLiveOwner(row, now);
}

/**
 * The status people see: 'paused (interrupted)' for a running orchestration nobody drives.
 * A caller that already asked isInterrupted passes its answer (the check reads /proc).
 */
export function displayStatus(row: OwnerFields, interrupted = isInterrupted(row)): string {
  return interrupted ? "paused (interrupted)" : row.status;
}
