import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EnvironmentError } from "../../src/errors.ts";
import { ChildProcess, runCollected, SpawnError } from "../../src/system/child-process.ts";
import type { Line } from "../../src/agents/line-splitter.ts";
import { tempDir } from "../support/claude-env.ts";
import { commandLine } from "../../src/system/processes.ts";
import { processesMatching, waitUntil } from "../support/e2e.ts";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const cwd = "/tmp";
/** A sleep recognisable among all processes on the machine. */
const uniqueSleep = (seconds: number) => `sleep ${seconds}.${Math.floor(Math.random() * 1e6)}`;
/** The live processes that are this very command (not a shell or supervisor that mentions it). */
const running = (command: string) => processesMatching(command).filter((pid) => commandLine(pid)?.join(" ") === command);

describe("ChildProcess: spawn failures are typed errors", () => {
  test("a missing path: SpawnError ENOENT (an EnvironmentError, exit 5), thrown at once", () => {
    const error = (() => {
      try {
        new ChildProcess({ argv: ["/nonexistent/maos-test-bin", "x"], cwd, env });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as SpawnError).code).toBe("ENOENT");
    expect((error as SpawnError).exitCode).toBe(5);
    expect((error as SpawnError).message).toContain("/nonexistent/maos-test-bin");
  });

  test("a name not on PATH: ENOENT; a file that is not executable: EACCES", () => {
    expect(() => new ChildProcess({ argv: ["maos-no-such-command-xyz"], cwd, env })).toThrow(SpawnError);
    const dir = tempDir("maos-child-");
    try {
      const file = join(dir.path, "not-executable");
      writeFileSync(file, "#!/bin/sh\necho hi\n");
      chmodSync(file, 0o644);
      let error: unknown;
      try {
        new ChildProcess({ argv: [file], cwd, env });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SpawnError);
      expect((error as SpawnError).code).toBe("EACCES");
    } finally {
      dir.cleanup();
    }
  });
});

describe("ChildProcess: output and input", () => {
  test("collected: all of stdout, the stderr tail and the exit code; a string on stdin", async () => {
    const out = await runCollected({ argv: ["sh", "-c", "cat; printf 'second\\nthird'; echo oops >&2; exit 3"], cwd, env, stdin: { text: "first\n" } });
    expect(out).toEqual({ code: 3, signal: null, stopReason: "exited", stderrTail: "oops\n", stdout: "first\nsecond\nthird" });
  });

  test("line by line, in order, with stdin kept open for write() until closeInput()", async () => {
    const lines: Line[] = [];
    const child = new ChildProcess({
      argv: ["cat"],
      cwd,
      env,
      stdin: "pipe",
      onLine: async (line) => {
        // Back-pressure: a slow handler must not reorder or drop lines.
        await Bun.sleep(1);
        lines.push(line);
        if (lines.length === 1) child.write("two\nthree\n");
        if (lines.length === 3) child.closeInput();
      },
    });
    expect(child.write("one\n")).toBe(true);
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 0, signal: null, stopReason: "exited" });
    expect(lines.map((l) => l.text)).toEqual(["one", "two", "three"]);
    expect(child.write("late\n")).toBe(false);
  });

  test("a child killed by a signal reports that signal, as if it had been run directly", async () => {
    const out = await runCollected({ argv: ["sh", "-c", "kill -KILL $$"], cwd, env });
    expect(out).toMatchObject({ code: null, signal: "SIGKILL", stopReason: "exited" });
  });
});

describe("ChildProcess: limits", () => {
  test("wall-clock timeout: stopped with reason timeout, nothing left running", async () => {
    const sleep = uniqueSleep(30);
    const child = new ChildProcess({ argv: ["sh", "-c", `echo started; ${sleep}; echo unreachable`], cwd, env, wallTimeoutMs: 1000, graceMs: 2000 });
    const out = await child.collect();
    expect(out.stopReason).toBe("timeout");
    expect(out.stdout).toBe("started\n");
    expect(running(sleep)).toEqual([]);
    expect(child.running).toBe(false);
  });

  test("abort: a child that ignores the stop signal is SIGKILLed with its whole tree, a setsid'd grandchild included", async () => {
    const inGroup = uniqueSleep(41);
    const ownSession = uniqueSleep(42);
    const controller = new AbortController();
    const child = new ChildProcess({
      argv: ["sh", "-c", `trap '' TERM INT; setsid ${ownSession} & ${inGroup} & wait`],
      cwd,
      env,
      signal: controller.signal,
      graceMs: 300,
    });
    await waitUntil(() => running(inGroup).length > 0 && running(ownSession).length > 0, "both sleeps to start");
    controller.abort();
    const exit = await child.exited;
    expect(exit.stopReason).toBe("interrupted");
    expect(exit.signal).toBe("SIGKILL");
    expect(running(inGroup)).toEqual([]);
    expect(running(ownSession)).toEqual([]);
  });

  test("a child that exits on its own: what it left running in a session of its own is killed too", async () => {
    const orphan = uniqueSleep(43);
    const out = await runCollected({ argv: ["sh", "-c", `setsid ${orphan} & echo started`], cwd, env });
    expect(out).toMatchObject({ code: 0, stdout: "started\n" });
    expect(running(orphan)).toEqual([]);
  });

  test("idle: silence longer than the limit stops the child; steady output does not", async () => {
    const quiet = await runCollected({ argv: ["sh", "-c", "echo hi; sleep 30"], cwd, env, idleTimeoutMs: 1000, graceMs: 1000 });
    expect(quiet).toMatchObject({ stopReason: "idle", stdout: "hi\n" });

    const lines: string[] = [];
    const busy = new ChildProcess({
      argv: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.1; done"],
      cwd,
      env,
      idleTimeoutMs: 1500,
      onLine: (line) => void lines.push(line.text),
    });
    expect(await busy.exited).toMatchObject({ code: 0, stopReason: "exited" });
    expect(lines).toHaveLength(10);
  });

  test("a gap in which maos's own event loop did not run is not counted as the child's silence", async () => {
    let stalled = false;
    const child = new ChildProcess({
      argv: ["sh", "-c", "echo one; sleep 4.5; echo two"],
      cwd,
      env,
      idleTimeoutMs: 1000,
      onLine: () => {
        if (stalled) return;
        stalled = true;
        // maos's event loop blocked for 4 s (as under SIGSTOP): the idle check's ticks come late.
        setTimeout(() => Bun.sleepSync(4000), 100);
      },
    });
    expect(await child.exited).toMatchObject({ code: 0, stopReason: "exited" });
  });

  test("time spent handling a line is not the child's silence", async () => {
    let first = true;
    const child = new ChildProcess({
      // Still running (and printing) while its first line is being handled.
      argv: ["sh", "-c", "echo one; sleep 1.5; echo two"],
      cwd,
      env,
      idleTimeoutMs: 1000,
      onLine: async () => {
        // maos busy (e.g. waiting on the database) for longer than the idle limit
        if (first) await Bun.sleep(2500);
        first = false;
      },
    });
    expect(await child.exited).toMatchObject({ code: 0, stopReason: "exited" });
  });
});

describe("ChildProcess: supervised: false", () => {
  test("runs the command itself (no supervisor in between), still collected and typed", async () => {
    const direct = new ChildProcess({ argv: ["sh", "-c", "echo $$"], cwd: "/", env: process.env, supervised: false });
    const out = await direct.collect();
    expect(Number(out.stdout.trim())).toBe(direct.pid);
    const supervised = new ChildProcess({ argv: ["sh", "-c", "echo $$"], cwd: "/", env: process.env });
    expect(Number((await supervised.collect()).stdout.trim())).not.toBe(supervised.pid);
  });
});
