// Issue 9, end to end: an agent never outlives the maos that started it. dist/maos runs the
// REAL claude CLI against the mock; maos is killed with SIGKILL while claude runs a Bash tool
// (which claude starts in a session of its own, out of reach of a process-group kill).
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { AttemptRow } from "../../src/store/attempts.ts";
import { descendants } from "../../src/system/processes.ts";
import { route, textReply, toolUseReply } from "../support/mock-anthropic.ts";
import { longSleepCommand, pidAlive, processesMatching, REQUEST, startE2E, taskMarker, waitUntil } from "../support/e2e.ts";

setDefaultTimeout(60_000);

describe("e2e: agents die with maos", () => {
  test("kill -9 of maos while the agent runs `sleep 20; echo done > a.txt`: within 3 s nothing of the run is left, no further API request, and a.txt never appears", async () => {
    await using e = await startE2E();
    // A fractional duration makes this test's sleep recognisable among other processes.
    const sleep = `sleep 20.${Math.floor(Math.random() * 1e6)}`;
    e.mock.script(
      route([[taskMarker("a"), [toolUseReply("Bash", { command: longSleepCommand(sleep, "echo done > a.txt"), description: "Wait, then write a.txt" }), textReply("Wrote a.txt.")]]]),
    );
    const p = e.start(["orchestrate", REQUEST, "--auto", "--db", e.dbPath, "--plan", e.plan([{ id: "a" }])]);
    await waitUntil(() => processesMatching(sleep).length > 0, "the agent's Bash tool to start", 30_000);
    const toolStartedAt = performance.now();
    const [attempt] = e.query((db) => db.query<AttemptRow, []>("SELECT * FROM attempts WHERE status = 'running'").all());
    expect(attempt?.pid).toBeGreaterThan(0);
    // The recorded process and everything under it: claude, its shell, the sleep.
    const tree = [attempt!.pid!, ...descendants(attempt!.pid!)];
    expect(tree.some((pid) => processesMatching(sleep).includes(pid))).toBe(true);
    const requestsBefore = e.mock.messageRequests().length;

    p.kill("SIGKILL");
    expect((await p.exited).signal).toBe("SIGKILL");

    const left = () => [...new Set([...tree.filter(pidAlive), ...processesMatching(attempt!.session_id), ...processesMatching(sleep)])];
    await waitUntil(() => left().length === 0, "no process of the run to be left", 3000).catch(() => {});
    expect(left()).toEqual([]);

    // Had anything survived, the sleep would have ended, a.txt been written and the next request sent by now.
    await Bun.sleep(Math.max(0, toolStartedAt + 23_000 - performance.now()));
    expect(existsSync(join(e.project, "a.txt"))).toBe(false);
    expect(e.mock.messageRequests()).toHaveLength(requestsBefore);
  });
});
