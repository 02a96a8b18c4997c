import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { processAlive } from "../../src/system/processes.ts";
import { listAttempts } from "../../src/store/attempts.ts";
import { listOrchestrationEvents } from "../../src/store/events.ts";
import { listTasks } from "../../src/store/tasks.ts";
import { readFakeAgentLog } from "../support/fake-agent.ts";
import { planOf, runWithFakeAgents } from "../support/run-harness.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const one = planOf([["a", []]]);

describe("AgentAttempt", () => {
  test("odd lines are stored and never crash the run: not JSON, blank, invalid UTF-8, a 20 MB line, unknown types", async () => {
    const big = JSON.stringify({ type: "assistant", message: { id: "m", role: "assistant", content: [{ type: "text", text: "x".repeat(20 * 1024 * 1024) }] } });
    const run = await runWithFakeAgents(one, [
      { raw: "this is not json\n" },
      { raw: "\n\n" },
      { rawBase64: Buffer.concat([Buffer.from('{"type":"mystery","bytes":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]).toString("base64") },
      { raw: `${big}\n` },
      { raw: '{"type":"assistant","message":"wrong shape"}\n' },
      { raw: "[1,2,3]\n" },
      { text: "done" },
    ]);
    expect(run.result.summary.status).toBe("completed");
    const events = listOrchestrationEvents(run.db, run.orchestrationId);
    const types = events.map((e) => e.type);
    expect(types).toContain("raw");
    expect(events.find((e) => e.raw === "this is not json")?.type).toBe("raw");
    const mystery = events.find((e) => e.type === "mystery")!;
    expect(mystery.raw).toContain("\uFFFD");
    expect(events.some((e) => e.raw.length === big.length)).toBe(true);
    expect(events.find((e) => e.raw === "[1,2,3]")?.type).toBe("raw");
    expect(events.some((e) => e.raw === "")).toBe(false);
    // per-agent sequence is dense and ordered
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  test("an agent crashing mid-stream: every line it printed is in events, and the attempt failed with the reason", async () => {
    const run = await runWithFakeAgents(one, [{ lines: 500, bytes: 300 }, { stderr: "boom: segfault\n" }, { crash: 139 }], { retries: 0 });
    const events = listOrchestrationEvents(run.db, run.orchestrationId);
    expect(events.filter((e) => e.type === "assistant")).toHaveLength(500);
    const [attempt] = listAttempts(run.db, run.orchestrationId);
    expect(attempt!.status).toBe("failed");
    expect(attempt!.reason).toContain("exited with code 139");
    expect(attempt!.stderr_tail).toContain("boom: segfault");
    expect(listTasks(run.db, run.orchestrationId)[0]!.status).toBe("failed");
  });

  test("an API error result fails the task with its message (not from the exit code)", async () => {
    const run = await runWithFakeAgents(one, [{ apiError: "invalid_request_error: bad thing", status: 400 }], { retries: 0 });
    const task = listTasks(run.db, run.orchestrationId)[0]!;
    expect(task.status).toBe("failed");
    expect(task.error).toContain("API Error: 400");
  });

  test("max turns fails the task with the reason", async () => {
    const run = await runWithFakeAgents(one, [{ text: "working" }, { result: { is_error: true, subtype: "error_max_turns", errors: ["Reached max turns (1)"] } }], { retries: 3 });
    const task = listTasks(run.db, run.orchestrationId)[0]!;
    expect(task.status).toBe("failed");
    expect(task.error).toContain("turn limit");
    expect(listAttempts(run.db, run.orchestrationId)).toHaveLength(1);
  });

  test("wall-clock timeout: attempt failed, the process is really gone", async () => {
    const run = await runWithFakeAgents(one, [{ text: "starting" }, { hang: true }], { agentTimeoutS: 1, retries: 0, graceMs: 500 });
    const [attempt] = listAttempts(run.db, run.orchestrationId);
    expect(attempt!.status).toBe("failed");
    expect(attempt!.reason).toContain("timed out after 1 s");
    expect(processAlive(attempt!.pid!)).toBe(false);
  });

  test("idle timeout: no output for the limit fails the attempt and the agent is stopped", async () => {
    const run = await runWithFakeAgents(one, { steps: [{ text: "starting" }, { hang: true }], ignoreSigint: true }, { idleTimeoutS: 1, retries: 0, graceMs: 300 });
    const [attempt] = listAttempts(run.db, run.orchestrationId);
    expect(attempt!.reason).toContain("no output for 1 s");
    expect(processAlive(attempt!.pid!)).toBe(false);
    const log = readFakeAgentLog(run.logDir);
    // Stopped gracefully first: an interrupt control request and/or SIGINT reached it.
    expect(log.some((e) => e.event === "signal" || e.event === "control")).toBe(true);
  });
});
