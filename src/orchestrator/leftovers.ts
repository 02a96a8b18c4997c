import type { AttemptRow } from "../store/attempts.ts";
import { commandLine, killTree, signalProcess, stillRunning } from "../system/processes.ts";

/**
 * Whether pid is still the `claude` process of this attempt: the pid may have been
 * reused by something else since the crash, so check its argv carries the attempt's
 * session id (`--session-id <id>` or `--resume <id>`).
 */
export function isAttemptProcess(pid: number, sessionId: string): boolean {
  const argv = commandLine(pid);
  if (!argv) return false;
  return argv.some((arg, i) => (arg === "--session-id" || arg === "--resume") && argv[i + 1] === sessionId);
}

/**
 * Stops the planner a run killed while planning left behind (its pid is recorded while it
 * runs; checked to still be a `claude --json-schema` process). Returns its pid if stopped.
 */
export function stopLeftoverPlanner(pid: number | null): number | null {
  if (pid === null || !stillRunning(pid) || !commandLine(pid)?.includes("--json-schema")) return null;
  killTree(pid);
  return pid;
}

/**
 * Stops agent processes a crashed run left behind, so two agents never work one task:
 * SIGINT (claude stops its tools and exits), then SIGKILL after the grace period.
 * Returns the pids that were stopped.
 */
export async function stopLeftoverAgents(attempts: readonly AttemptRow[], graceMs = 3000): Promise<number[]> {
  const live = attempts.filter((a) => a.pid !== null && isAttemptProcess(a.pid, a.session_id)).map((a) => a.pid!);
  for (const pid of live) signalProcess(pid, "SIGINT");
  const deadline = Date.now() + graceMs;
  // An orphan that exited stays a zombie until whoever adopted it reaps it (maybe never): it is gone.
  while (live.some(stillRunning) && Date.now() < deadline) await Bun.sleep(20);
  for (const pid of live.filter(stillRunning)) killTree(pid);
  while (live.some(stillRunning) && Date.now() < deadline + 2000) await Bun.sleep(20);
  return live;
}
