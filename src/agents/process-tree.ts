import { readdirSync, readFileSync } from "node:fs";

/** The parent pid in a /proc/<pid>/stat line (the field after the state, past the command name). */
function parentOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/**
 * Every live descendant of `pid` (children first, then theirs), read from /proc; empty where
 * there is no /proc. claude starts its tools in their own session, so a signal to its process
 * group misses them: collect them BEFORE killing claude (afterwards they belong to init).
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
    try {
      const parent = parentOf(readFileSync(`/proc/${name}/stat`, "utf8"));
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}
