/**
 * What maos needs to know about other processes, read from /proc (Linux). Where /proc
 * cannot tell, the functions answer conservatively: alive, start time unknown, no children.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * A pid that names one process (or, negated, one process group). kill(2) reads 0 as "my own
 * process group" and -1 as "every process I may signal": a pid from a damaged or hand-edited
 * row must never turn a probe or a stop into that.
 */
function isTarget(pid: number): boolean {
  return Number.isSafeInteger(pid) && (pid > 0 || pid < -1);
}

/** Whether a pid is a live process on this machine (signal 0 probes without touching it). */
export function processAlive(pid: number): boolean {
  if (!isTarget(pid) || pid < 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The fields of /proc/<pid>/stat after the parenthesised command name (state is [0], ppid [1]). */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** An exited child nobody reaped yet: it still has a pid but runs nothing. */
export function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === "Z";
}

/** Alive and not a zombie. */
export function stillRunning(pid: number): boolean {
  return processAlive(pid) && !isZombie(pid);
}

/** The argv of a live process (null when gone or unreadable). */
export function commandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
}

let bootTimeMs: number | null | undefined;
const clockTicksPerSecond = 100; // USER_HZ, 100 on every Linux this ships for

/** When a process started (ms since the epoch, to about a second); null where /proc cannot tell. */
export function processStartMs(pid: number): number | null {
  if (bootTimeMs === undefined) {
    try {
      // The "btime <seconds>" line, found without a regex (compiling one costs a list ~0.1 ms).
      const stat = readFileSync("/proc/stat", "utf8");
      const at = stat.indexOf("\nbtime ");
      const seconds = at < 0 ? Number.NaN : Number.parseInt(stat.slice(at + 7), 10);
      bootTimeMs = Number.isFinite(seconds) ? seconds * 1000 : null;
    } catch {
      bootTimeMs = null;
    }
  }
  const fields = statFields(pid);
  if (bootTimeMs === null || !fields) return null;
  // starttime is field 22 of the whole line, [19] after the command name.
  return bootTimeMs + (Number(fields[19]) / clockTicksPerSecond) * 1000;
}

/**
 * Every live descendant of `pid` (children first, then theirs); empty where there is no
 * /proc. claude starts its tools in their own session, so a signal to its process group
 * misses them: collect them BEFORE killing claude (afterwards they belong to init).
 */
export function descendants(pid: number): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const parent = Number(statFields(name)?.[1]);
    if (!Number.isFinite(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/** Live processes (zombies excluded, this one too) whose argv satisfies `match`; empty where there is no /proc. */
export function findProcesses(match: (argv: string[]) => boolean): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .map(Number)
    .filter((pid) => {
      const argv = commandLine(pid);
      return argv !== null && argv.length > 0 && match(argv) && !isZombie(pid);
    });
}

/** Sends a signal, ignoring a process that is already gone. A negative pid is a process group; 0 and -1 are refused (see isTarget). */
export function signalProcess(pid: number, sig: NodeJS.Signals): void {
  if (!isTarget(pid)) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILL to a process, its process group, and every descendant (tools in their own sessions too). */
export function killTree(pid: number): void {
  if (!isTarget(pid) || pid < 0) return;
  const tree = descendants(pid);
  signalProcess(-pid, "SIGKILL");
  signalProcess(pid, "SIGKILL");
  for (const child of tree) signalProcess(child, "SIGKILL");
}
