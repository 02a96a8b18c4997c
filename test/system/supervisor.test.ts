import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ChildProcess } from "../../src/system/child-process.ts";
import { commandLine } from "../../src/system/processes.ts";
import { tempDir } from "../support/claude-env.ts";
import { processesMatching, waitUntil } from "../support/e2e.ts";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const uniqueSleep = (seconds: number) => `sleep ${seconds}.${Math.floor(Math.random() * 1e6)}`;
const running = (command: string) => processesMatching(command).filter((pid) => commandLine(pid)?.join(" ") === command);

test("the owner is SIGKILLed: within 3 s the child and the grandchild it started with setsid are gone", async () => {
  const dir = tempDir("maos-supervisor-");
  const inGroup = uniqueSleep(51);
  const ownSession = uniqueSleep(52);
  try {
    // A stand-in for maos: it starts a child through the runner and is then killed with SIGKILL.
    const owner = join(dir.path, "owner.ts");
    writeFileSync(
      owner,
      `import { ChildProcess } from ${JSON.stringify(resolve(import.meta.dir, "../../src/system/child-process.ts"))};
const child = new ChildProcess({ argv: ["sh", "-c", ${JSON.stringify(`setsid ${ownSession} & ${inGroup}; echo unreachable > ${join(dir.path, "late.txt")}`)}], cwd: ${JSON.stringify(dir.path)}, env: { PATH: process.env.PATH } });
console.log(child.pid);
await child.exited;
`,
    );
    const proc = Bun.spawn(["bun", owner], { stdout: "pipe", stderr: "inherit", env });
    await waitUntil(() => running(inGroup).length > 0 && running(ownSession).length > 0, "both sleeps to start");
    proc.kill("SIGKILL");
    await proc.exited;
    await waitUntil(() => running(inGroup).length === 0 && running(ownSession).length === 0, "the sleeps to be gone", 3000).catch(() => {});
    expect(running(inGroup)).toEqual([]);
    expect(running(ownSession)).toEqual([]);
  } finally {
    for (const pid of [...running(inGroup), ...running(ownSession)]) process.kill(pid, "SIGKILL");
    dir.cleanup();
  }
});

test("a graceful stop's signal reaches the child through the supervisor, and the child's exit code comes back", async () => {
  const child = new ChildProcess({
    argv: ["sh", "-c", "trap 'echo got INT; exit 42' INT; echo ready; while :; do sleep 0.05; done"],
    cwd: "/tmp",
    env,
    stopSignal: "SIGINT",
    graceMs: 10_000,
    onLine: (line) => {
      if (line.text === "ready") void child.stop("interrupted");
    },
  });
  const exit = await child.exited;
  expect(exit).toMatchObject({ code: 42, signal: null, stopReason: "interrupted" });
});

test("the supervisor's command line carries the child's, so a recorded pid still identifies the agent", async () => {
  const child = new ChildProcess({ argv: ["sh", "-c", "read line", "--session-id", "abc-123"], cwd: "/tmp", env, stdin: "pipe" });
  // Right after the spawn /proc may still show the command line of the process before its exec.
  const argv = await waitUntil(() => (commandLine(child.pid)?.includes("__supervise") ? commandLine(child.pid) : null), "the supervisor's exec");
  child.closeInput();
  expect(argv.slice(argv.indexOf("--") + 2)).toEqual(["-c", "read line", "--session-id", "abc-123"]);
  return child.exited;
});
