// Issue 9, item 8: --idle-timeout measures the agent's silence, not time maos spent not
// reading. dist/maos with a fake agent that prints every 200 ms; maos itself is stopped
// (SIGSTOP) for longer than the idle limit, then continued.
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../support/claude-env.ts";
import type { FakeScript } from "../support/fake-agent.ts";
import { finish, scenarioEnv, spawnMaosIn, waitForDb, withDb } from "../crash/scenario.ts";

const idleTimeoutS = 2;
const stoppedMs = 3 * idleTimeoutS * 1000;

test("maos stopped (SIGSTOP) longer than --idle-timeout: the busy agent completes instead of failing 'no output'", async () => {
  const dir = tempDir("maos-idle-stall-");
  try {
    const script: FakeScript = { steps: [{ lines: 50, bytes: 100, intervalMs: 200 }, { text: "busy agent done" }] };
    writeFileSync(join(dir.path, "script.json"), JSON.stringify(script));
    writeFileSync(join(dir.path, "plan.json"), JSON.stringify({ tasks: [{ id: "busy", agent_type: "developer", description: "Keep printing", depends_on: [] }] }));
    const db = join(dir.path, "maos.db");
    const run = spawnMaosIn(
      dir.path,
      ["orchestrate", "stall test", "--plan", "plan.json", "--auto", "--db", db, "--idle-timeout", String(idleTimeoutS), "--retries", "0"],
      scenarioEnv(dir.path),
    );
    const streaming = await waitForDb(run, db, (d) => d.query("SELECT 1 FROM events WHERE type = 'assistant'").get() !== null);
    expect(streaming).toBe(true);

    run.proc.kill("SIGSTOP");
    // The stall itself is what is under test: maos must not run for longer than the idle limit.
    await Bun.sleep(stoppedMs);
    run.proc.kill("SIGCONT");

    const result = await finish(run);
    expect(result.stderr).not.toContain("no output for");
    expect(result.code).toBe(0);
    withDb(db, (d) => {
      expect(d.query("SELECT attempt, status, reason FROM attempts").all()).toEqual([{ attempt: 1, status: "completed", reason: null }]);
      expect(d.query("SELECT COUNT(*) AS n FROM events WHERE type = 'assistant'").get()).toEqual({ n: 51 });
    });
  } finally {
    dir.cleanup();
  }
}, 60_000);
