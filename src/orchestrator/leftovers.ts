import type { AttemptRow } from "../store/attempts.ts";
import { commandLine, findProcesses, killTree, signalProcess, stillRunning } from "../system/processes.ts";

/** Whether an argv is an agent of this session (`--session-id <id>` or `--resume <id>`). */
function carriesSession(argv: readonly string[], sessionId: string): boolean {
  return argv.some((arg, i) => (arg === "--session-id" || arg === "--resume") && argv[i + 1] === sessionId);
}

/**
 * Whether pid is still the process of this attempt (the supervisor maos recorded, whose
 * argv holds claude's): the pid may have been reused by something else since the crash,
 * so check its argv carries the attempt's session id.
 */
export function isAttemptProcess(pid: number, sessionId: string): boolean {
  const argv = commandLine(pid);
  return argv !== null && carriesSession(argv, sessionId);
}

/**
 * The live processes of an attempt: the recorded one if it is still the attempt's (it
 * stops its own tree); otherwise any process running that session, i.e. a claude whose
 * supervisor was killed together with maos (`pkill -9 maos`) and that nobody watches.
 */
function attemptProcesses(a: AttemptRow): number[] {
  if (a.pid !== null && isAttemptProcess(a.pid, a.session_id)) return [a.pid];
  return findProcesses((argv) => carriesSession(argv, a.session_id));
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
  const sessionOf = new Map<number, string>();
  for (const a of attempts) for (const pid of attemptProcesses(a)) sessionOf.set(pid, a.session_id);
  const live = [...sessionOf.keys()];
  // Still the attempt's: alive (an orphan that exited stays a zombie until whoever adopted it
  // reaps it, maybe never: it is gone) and its argv still carries the session. A process that
  // exited meanwhile may have left its pid to something else (a new process group leader
  // even), which must neither be waited for nor have its tree killed.
  const ours = (pid: number) => stillRunning(pid) && isAttemptProcess(pid, sessionOf.get(pid)!);
  for (const pid of live) signalProcess(pid, "SIGINT");
  const deadline = Date.now() + graceMs;
  while (live.some(ours) && Date.now() < deadline) await Bun.sleep(20);
  for (const pid of live.filter(ours)) killTree(pid);
  while (live.some(ours) && Date.now() < deadline + 2000) await Bun.sleep(20);
  return live;
}
