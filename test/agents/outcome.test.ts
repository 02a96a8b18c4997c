import { describe, expect, test } from "bun:test";
import type { ProcessExit } from "../../src/agents/claude-process.ts";
import { classifyAttempt, type AttemptFacts } from "../../src/agents/outcome.ts";
import type { ResultLine } from "../../src/agents/stream-schema.ts";

const exited: ProcessExit = { code: 0, signal: null, stopReason: "exited", stderrTail: "" };
const limits = { wallTimeoutMs: 600_000, idleTimeoutMs: 300_000 };
const result = (fields: Partial<ResultLine>): ResultLine => ({ type: "result", subtype: "success", is_error: false, ...fields }) as ResultLine;

/** One finished turn with this result, the process exited as given. */
function classify(r: ResultLine | null, exit: Partial<ProcessExit> = {}, facts: Partial<AttemptFacts> = {}) {
  return classifyAttempt({
    results: r ? [r] : [],
    turnOpen: r === null,
    started: true,
    lastTurnText: null,
    exit: { ...exited, ...exit },
    stopCause: null,
    limits,
    ...facts,
  });
}

describe("classifyAttempt", () => {
  test("success comes from the result line, not the exit code", () => {
    expect(classify(result({ result: "done" }), { code: 1 })).toMatchObject({ status: "completed", cause: "completed", resultText: "done", transient: false });
  });

  test("a process killed mid-turn is never completed, whatever an earlier turn's result said", () => {
    const o = classify(result({ result: "turn 1 done" }), { code: null, signal: "SIGKILL" }, { turnOpen: true });
    expect(o).toMatchObject({ status: "failed", cause: "crashed", transient: true });
    expect(o.reason).toContain("in the middle of a turn");
    expect(o.reason).toContain("SIGKILL");
  });

  test("an API error arrives as subtype success with is_error: failed; 5xx/529/429 are transient, 4xx not", () => {
    expect(classify(result({ is_error: true, result: "API Error: 500 boom", api_error_status: 500 }))).toMatchObject({
      status: "failed",
      cause: "api-error",
      transient: true,
      reason: "API Error: 500 boom",
    });
    expect(classify(result({ is_error: true, result: "API Error: 529 overloaded" })).transient).toBe(true);
    expect(classify(result({ is_error: true, result: "API Error: 400 bad", api_error_status: 400 })).transient).toBe(false);
  });

  test("a session-bound error asks for a fresh session", () => {
    const o = classify(result({ is_error: true, result: "API Error: 400 prompt is too long: 210000 tokens > 200000 maximum", api_error_status: 400 }));
    expect(o).toMatchObject({ status: "failed", cause: "session-error", freshSession: true, transient: true });
  });

  test("turn limit is final; a used-up budget is flagged", () => {
    const turns = classify(result({ subtype: "error_max_turns", is_error: true, errors: ["Reached max turns (2)"] }));
    expect(turns).toMatchObject({ status: "failed", cause: "max-turns", transient: false, budgetReached: false });
    expect(turns.reason).toContain("Reached max turns (2)");
    const budget = classify(result({ subtype: "error_max_budget_usd", is_error: true }));
    expect(budget).toMatchObject({ status: "failed", cause: "budget-share", transient: false, budgetReached: true });
  });

  test("the turn that crossed the budget keeps its answer when it ended normally", () => {
    const o = classify(result({ subtype: "error_max_budget_usd", is_error: true, stop_reason: "end_turn" }), {}, { lastTurnText: "All done." });
    expect(o).toMatchObject({ status: "completed", cause: "completed", resultText: "All done.", budgetReached: true });
  });

  test("no result: a crash, with the stderr tail; timeouts say which limit", () => {
    const crash = classify(null, { code: null, signal: "SIGSEGV", stderrTail: "a\nb\nfatal: out of memory\n" });
    expect(crash).toMatchObject({ status: "failed", cause: "crashed", transient: true });
    expect(crash.reason).toBe("claude was killed by SIGSEGV without a result: a | b | fatal: out of memory");
    expect(classify(null, { stopReason: "timeout" }).reason).toContain("timed out after 600 s");
    expect(classify(null, { stopReason: "idle" })).toMatchObject({ cause: "idle", transient: true });
  });

  test("start refusals that repeat are not transient and say how to fix them", () => {
    const root = classify(
      null,
      { code: 1, stderrTail: "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n" },
      { started: false },
    );
    expect(root).toMatchObject({ status: "failed", cause: "start-failed", transient: false });
    expect(root.hint).toContain("IS_SANDBOX=1");
    const flag = classify(null, { code: 1, stderrTail: "error: unknown option '--bogus'\n" }, { started: false });
    expect(flag).toMatchObject({ cause: "start-failed", transient: false });
    // The same exit after claude started is a crash, worth a retry.
    expect(classify(null, { code: 1, stderrTail: "error: unknown option '--bogus'\n" })).toMatchObject({ cause: "crashed", transient: true });
  });

  test("stopped by maos is interrupted by the user, unless maos stopped a looping agent", () => {
    expect(classify(result({ subtype: "error_during_execution", is_error: true }), { stopReason: "interrupted" })).toMatchObject({
      status: "interrupted",
      cause: "user-interrupt",
    });
    expect(classify(null, { stopReason: "killed" }).status).toBe("interrupted");
    expect(classify(result({}), { stopReason: "interrupted" }, { stopCause: "looping" })).toMatchObject({ status: "failed", cause: "looping", transient: false });
  });
});
