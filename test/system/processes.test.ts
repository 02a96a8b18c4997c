import { expect, test, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { descendants, findProcesses, processAlive, processStartMs } from "../../src/system/processes.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
};

test("descendants: children and grandchildren, including ones in their own session", async () => {
  const marker = `${Math.floor(Math.random() * 1e6)}`;
  // sh → sleep (child) and setsid sh → sleep (grandchild in a new session, like claude's tools)
  const proc = Bun.spawn(["sh", "-c", `sleep 31.${marker} & setsid sh -c 'sleep 32.${marker}; true' & wait`], { stdout: "ignore" });
  try {
    let found: string[] = [];
    for (let i = 0; i < 100 && found.length < 2; i++) {
      await Bun.sleep(20);
      found = descendants(proc.pid).map(cmdline).filter((c) => c.startsWith("sleep"));
    }
    expect(found.sort()).toEqual([`sleep 31.${marker}`, `sleep 32.${marker}`]);
    expect(descendants(proc.pid)).not.toContain(proc.pid);
  } finally {
    for (const pid of descendants(proc.pid)) process.kill(pid, "SIGKILL");
    proc.kill("SIGKILL");
  }
});

test("descendants of a pid that does not exist: none", () => {
  expect(descendants(2 ** 22 + 12345)).toEqual([]);
});

test("findProcesses: live processes whose argv matches, never this one", async () => {
  const marker = `33.${Math.floor(Math.random() * 1e6)}`;
  const proc = Bun.spawn(["sleep", marker], { stdout: "ignore" });
  try {
    // Right after the spawn /proc may still show the command line from before the exec.
    for (let i = 0; i < 200 && findProcesses((argv) => argv[1] === marker).length === 0; i++) await Bun.sleep(10);
    expect(findProcesses((argv) => argv[0] === "sleep" && argv[1] === marker)).toEqual([proc.pid]);
    expect(findProcesses(() => true)).not.toContain(process.pid);
  } finally {
    proc.kill("SIGKILL");
  }
  await proc.exited;
  expect(findProcesses((argv) => argv[1] === marker)).toEqual([]);
});

test("pids 0 and -1 (own process group, every process) are never signalled nor probed as alive: a damaged row cannot aim there", async () => {
  expect(processAlive(0)).toBe(false);
  expect(processAlive(-1)).toBe(false);
  expect(processAlive(-7)).toBe(false);
  expect(processAlive(Number.NaN)).toBe(false);
  expect(processAlive(process.pid)).toBe(true);
  // In a child that leads its own process group: a signal to pid 0 would reach it. For -1
  // (every process) only SIGCONT is tried, which would do no harm should the guard fail.
  const module = JSON.stringify(join(import.meta.dir, "../../src/system/processes.ts"));
  const script = `import { killTree, signalProcess } from ${module};
let got = 0;
process.on("SIGUSR2", () => got++);
process.on("SIGCONT", () => got++);
signalProcess(0, "SIGUSR2");
signalProcess(-1, "SIGCONT");
signalProcess(-0, "SIGUSR2");
killTree(0);
killTree(-1);
await Bun.sleep(200);
signalProcess(process.pid, "SIGUSR2");
await Bun.sleep(200);
console.log(got);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe", detached: true });
  const [out, err] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  // Only the last, aimed signal arrived.
  expect({ out: out.trim(), err }).toEqual({ out: "1", err: "" });
});

test("processStartMs: this process started about when its uptime says (boot time from /proc/stat, start from /proc/<pid>/stat)", () => {
  const expected = Date.now() - process.uptime() * 1000;
  const started = processStartMs(process.pid);
  expect(started).not.toBeNull();
  // /proc/stat's btime has one-second resolution, the start time ticks of 10 ms.
  expect(Math.abs(started! - expected)).toBeLessThan(2_500);
  expect(processStartMs(2 ** 22 + 1)).toBeNull(); // above any pid_max: no such process
});
