import { readFileSync } from "node:fs";

let name: string | undefined;

/**
 * This machine's name, as `os.hostname()` gives it (gethostname(): the UTS nodename, which
 * Linux also shows in /proc/sys/kernel/hostname). Read from /proc because loading node:os
 * costs `orchestration list` about 0.3 ms, a tenth of its own work; node:os where /proc
 * cannot tell.
 */
export function hostName(): string {
  if (name === undefined) {
    try {
      name = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
    } catch {
      name = "";
    }
    if (name === "") name = (require("node:os") as typeof import("node:os")).hostname();
  }
  return name;
}
