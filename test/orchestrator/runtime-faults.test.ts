// Issue 9: the agent runtime keeps its promises under faults (fake agents: fast and exact).
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listAttempts } from "../../src/store/attempts.ts";
import { getOrchestration } from "../../src/store/orchestrations.ts";
import { listTasks } from "../../src/store/tasks.ts";
import { tempDir } from "../support/claude-env.ts";
import { readFakeAgentLog } from "../support/fake-agent.ts";
import { planOf, runWithFakeAgents } from "../support/run-harness.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const statuses = (run: Awaited<ReturnType<typeof runWithFakeAgents>>) =>
  Object.fromEntries(listTasks(run.db, run.orchestrationId).map((t) => [t.task_key, t.status]));

const deliveries = (run: Awaited<ReturnType<typeof runWithFakeAgents>>) =>
  run.db
    .query<{ type: string; to_task: string | null; undeliverable: number; status: string | null }, []>(
      `SELECT m.message_type AS type, m.to_task, m.undeliverable, d.status FROM messages m LEFT JOIN deliveries d ON d.message_id = m.id ORDER BY m.id`,
    )
    .all();

describe("agent runtime under faults", () => {
  test("an agent killed while answering a live REQUEST is not completed, and the REQUEST goes back to its mailbox", async () => {
    const run = await runWithFakeAgents(
      planOf([
        ["a", []],
        ["b", []],
      ]),
      {
        byPrompt: {
          "Your task (@a)": { steps: [{ text: "REQUEST @b: which port do you use?" }] },
          "Your task (@b)": { steps: [{ sleepMs: 1500 }, { text: "b turn 1 done" }], onMessage: [{ text: "port 80…" }, { crash: "SIGKILL" }] },
        },
      },
      { maxParallel: 2, retries: 0 },
    );
    expect(statuses(run)).toEqual({ a: "completed", b: "failed" });
    const [attempt] = listAttempts(run.db, run.orchestrationId).filter((x) => x.task_id.endsWith(":b"));
    expect(attempt).toMatchObject({ status: "failed", cause: "crashed" });
    expect(attempt!.reason).toContain("in the middle of a turn");
    // The REQUEST was consumed by the turn that died: it waits again for b's next attempt (resume).
    expect(deliveries(run)).toEqual([{ type: "request", to_task: "b", undeliverable: 0, status: "pending" }]);
    expect(getOrchestration(run.db, run.orchestrationId)!.status).toBe("failed");
  }, scaled(30_000));

  test("a MESSAGE to an agent that already finished: the sender is told at once and the run counts it as undelivered", async () => {
    const run = await runWithFakeAgents(
      planOf([
        ["a", []],
        ["b", []],
      ]),
      {
        byPrompt: {
          "Your task (@a)": { steps: [{ text: "a done" }] },
          "Your task (@b)": { steps: [{ sleepMs: 1200 }, { text: "MESSAGE @a: thanks for the schema" }], onMessage: [{ text: "understood" }] },
        },
      },
      { maxParallel: 2 },
    );
    expect(statuses(run)).toEqual({ a: "completed", b: "completed" });
    expect(deliveries(run)).toEqual([{ type: "message", to_task: "a", undeliverable: 1, status: null }]);
    const told = readFakeAgentLog(run.logDir).filter((e) => e.event === "message" && String(e.text).includes("has already finished"));
    expect(told).toHaveLength(1);
    expect(run.result.summary.messages).toEqual({ sent: 1, undelivered: 1, waiting: 0 });
  }, scaled(30_000));

  test("an agent that keeps messaging a task that does not exist is told once per turn, then stopped", async () => {
    const run = await runWithFakeAgents(
      planOf([["a", []]]),
      { steps: [{ text: "MESSAGE @nobody: hello?" }], onMessage: [{ text: "MESSAGE @nobody: hello again?" }] },
      { retries: 3 },
    );
    expect(statuses(run)).toEqual({ a: "failed" });
    const attempts = listAttempts(run.db, run.orchestrationId);
    expect(attempts).toHaveLength(1); // not retried: it would loop again
    expect(attempts[0]).toMatchObject({ status: "failed", cause: "looping" });
    const notes = readFakeAgentLog(run.logDir).filter((e) => e.event === "message" && String(e.text).startsWith("[maos] Your MESSAGE"));
    expect(notes.length).toBeGreaterThanOrEqual(2);
    expect(notes.length).toBeLessThanOrEqual(3);
  }, scaled(30_000));

  test("claude refusing to start (as root with IS_SANDBOX set wrongly) is not retried; nothing else starts; the run says how to fix it", async () => {
    const dir = tempDir("maos-refuse-").path;
    const bin = join(dir, "claude");
    writeFileSync(bin, "#!/bin/sh\necho '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons' >&2\nexit 1\n");
    chmodSync(bin, 0o755);
    const run = await runWithFakeAgents(
      planOf([
        ["a", []],
        ["b", []],
      ]),
      [{ text: "unused" }],
      { bin, retries: 3, maxParallel: 1 },
    );
    expect(statuses(run)).toEqual({ a: "failed", b: "cancelled" });
    const attempts = listAttempts(run.db, run.orchestrationId);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ cause: "start-failed" });
    const o = getOrchestration(run.db, run.orchestrationId)!;
    expect(o.status).toBe("failed");
    expect(o.summary).toContain("IS_SANDBOX=1");
  }, scaled(30_000));

  test("after two failures in one session the next attempt starts a fresh session, told what happened before", async () => {
    const run = await runWithFakeAgents(
      planOf([["a", []]]),
      { attempts: [[{ text: "half of it" }, { crash: 1 }], [{ crash: 1 }], [{ text: "done at last" }]] },
      { retries: 2 },
    );
    expect(statuses(run)).toEqual({ a: "completed" });
    const starts = readFakeAgentLog(run.logDir).filter((e) => e.event === "start");
    expect(starts).toHaveLength(3);
    const argv = starts.map((s) => (s.argv as string[]).join(" "));
    const attempts = listAttempts(run.db, run.orchestrationId);
    expect(argv[0]).toContain(`--session-id ${attempts[0]!.session_id}`);
    expect(argv[1]).toContain(`--resume ${attempts[0]!.session_id}`);
    expect(attempts[2]!.session_id).not.toBe(attempts[0]!.session_id);
    expect(argv[2]).toContain(`--session-id ${attempts[2]!.session_id}`);
    const prompts = readFakeAgentLog(run.logDir).filter((e) => e.event === "message").map((e) => String(e.text));
    // The resumed attempt is told the truth: claude died mid-turn, and what it was writing.
    expect(prompts[1]).toContain("[maos] Attempt 1 ended because your claude process stopped unexpectedly");
    expect(prompts[1]).toContain("half of it");
    // The fresh session gets the whole task again plus what happened before.
    expect(prompts[2]).toContain("# Your task (@a)");
    expect(prompts[2]).toContain("## Earlier attempts of this task");
    expect(prompts[2]).toContain("Attempt 2 ended because your claude process stopped unexpectedly");
  }, scaled(30_000));
});
