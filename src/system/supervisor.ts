/**
 * The agent supervisor: what maos really spawns for each agent (`maos __supervise <maos pid>
 * <cwd> -- claude …`), so that the agent and everything it started die with maos, however
 * maos dies (SIGKILL included). claude starts its Bash tools with setsid, so neither a
 * process-group kill nor claude's own death reaches them; this process
 *  - becomes a child subreaper: orphaned tools are re-parented to it, not to init;
 *  - runs claude with stdio inherited (maos's pipes go straight to claude, nothing is copied),
 *    in its own process group (maos spawned it as a group leader);
 *  - notices maos's death (the kernel's parent-death signal, plus a cheap ppid poll where
 *    prctl is unavailable) and then SIGKILLs every descendant and exits;
 *  - when claude ends, kills what claude left behind and ends the same way claude did
 *    (its exit code, or its signal re-raised), so maos sees what it saw before;
 *  - passes SIGINT and SIGTERM on to claude, so maos's graceful stop works as it did.
 * It loads nothing but this module and /proc helpers: it starts once per agent.
 */
import { constants } from "node:os";
import { descendants, isZombie, signalProcess } from "./processes.ts";
import { becomeChildSubreaper, setParentDeathSignal } from "./prctl.ts";

const parentPollMs = 250;
/** How long to keep sweeping for processes that forked while their relatives were being killed. */
const sweepMs = 1000;

/** Exit status when claude cannot be started (the shell's "command not found"). */
export const cannotStartExitCode = 127;

/** SIGKILLs every live descendant, again and again until none is left (or sweepMs passed). */
function killDescendants(): void {
  const deadline = performance.now() + sweepMs;
  for (;;) {
    // Zombies are dead already; they are reaped when this process exits.
    const live = descendants(process.pid).filter((pid) => !isZombie(pid));
    if (live.length === 0 || performance.now() > deadline) return;
    for (const pid of live) signalProcess(pid, "SIGKILL");
    Bun.sleepSync(5);
  }
}

/** Ends this process the way claude ended: the same signal, or else the same exit code. */
function endLike(code: number | null, signal: NodeJS.Signals | null): never {
  if (signal) {
    process.removeAllListeners(signal);
    signalProcess(process.pid, signal);
    // A signal whose default action is not to terminate (or one that is blocked): use the shell's convention.
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
}

/** Runs `maos __supervise <parent pid> <cwd> -- <argv…>`; never returns. */
export async function supervise(args: string[]): Promise<never> {
  const separator = args.indexOf("--");
  const parentPid = Number(args[0]);
  const cwd = args[1];
  const argv = args.slice(separator + 1);
  if (separator !== 2 || !Number.isInteger(parentPid) || !cwd || argv.length === 0) {
    process.stderr.write("maos __supervise: usage: maos __supervise <parent pid> <cwd> -- <command…>\n");
    process.exit(2);
  }

  let child: ReturnType<typeof Bun.spawn> | null = null;
  let pending: NodeJS.Signals | null = null;
  const parentGone = () => process.ppid !== parentPid;
  const abandon = (): never => {
    // maos is gone: nobody reads claude's output, so stop claude first, then its tools.
    if (child) signalProcess(child.pid, "SIGKILL");
    killDescendants();
    // Where there is no /proc to find descendants by, the process group (this one included) still goes.
    signalProcess(-process.pid, "SIGKILL");
    process.exit(1);
  };

  becomeChildSubreaper();
  // The death signal comes when the *thread* that spawned us ends; SIGHUP may also come
  // from elsewhere, so act on it only if the parent really changed.
  process.on("SIGHUP", () => {
    if (parentGone()) abandon();
  });
  setParentDeathSignal(constants.signals.SIGHUP);
  // maos may have died before the death signal was armed.
  if (parentGone()) abandon();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (child) signalProcess(child.pid, signal);
      else pending = signal;
    });
  }

  try {
    child = Bun.spawn(argv, { cwd, stdio: ["inherit", "inherit", "inherit"] });
  } catch (error) {
    process.stderr.write(`maos: cannot start ${argv[0]}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(cannotStartExitCode);
  }
  if (pending) signalProcess(child.pid, pending);
  const poll = setInterval(() => {
    if (parentGone()) abandon();
  }, parentPollMs);

  const code = await child.exited;
  clearInterval(poll);
  killDescendants();
  return endLike(child.signalCode === null ? code : null, child.signalCode as NodeJS.Signals | null);
}
