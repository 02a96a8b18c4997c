import { describe, expect, test } from "bun:test";
import type { ProcessExit } from "../../src/agents/claude-process.ts";
import { classifyAttempt } from "../../src/agents/outcome.ts";
import type { ResultLine } from "../../src/agents/stream-schema.ts";

const exited: ProcessExit = { code: 0, signal: null, stopReason: "exited", stderrTail: "" };
const limits = { wallTimeoutMs: 600_000, idleTimeoutMs: 300_000 };
const result = (fields: Partial<ResultLine>): ResultLine => ({ type: "result", subtype: "success", is_error: false, ...fields }) as ResultLine;

describe("classifyAttempt", () => {
  test("success comes from the result line, not the exit code", () => {
    const o = classifyAttempt(result({ result: "done" }), { ...exited, code: 1 }, limits);
    expect(o).toMatchObject({ status: "completed", resultText: "done", transient: false });
  });

  test("an API error arrives as subtype success with is_error: failed; 5xx/529/429 are transient, 4xx not", () => {
    expect(classifyAttempt(result({ is_error: true, result: "API Error: 500 boom", api_error_status: 500 }), exited, limits)).toMatchObject({
      status: "failed",
      transient: true,
      reason: "API Error: 500 boom",
    });
    expect(classifyAttempt(result({ is_error: true, result: "API Error: 529 overloaded" }), exited, limits).transient).toBe(true);
    expect(classifyAttempt(result({ is_error: true, result: "API Error: 400 bad", api_error_status: 400 }), exited, limits).transient).toBe(false);
  });

  test("turn limit and budget are final; the budget is flagged", () => {
    const turns = classifyAttempt(result({ subtype: "error_max_turns", is_error: true, errors: ["Reached max turns (2)"] }), exited, limits);
    expect(turns).toMatchObject({ status: "failed", transient: false, budgetExhausted: false });
    expect(turns.reason).toContain("Reached max turns (2)");
    const budget = classifyAttempt(result({ subtype: "error_max_budget_usd", is_error: true }), exited, limits);
    expect(budget).toMatchObject({ status: "failed", transient: false, budgetExhausted: true });
  });

  test("no result: a crash, with the stderr tail; timeouts say which limit", () => {
    const crash = classifyAttempt(null, { code: null, signal: "SIGSEGV", stopReason: "exited", stderrTail: "a\nb\nfatal: out of memory\n" }, limits);
    expect(crash).toMatchObject({ status: "failed", transient: true });
    expect(crash.reason).toBe("claude killed by SIGSEGV without a result: a | b | fatal: out of memory");
    expect(classifyAttempt(null, { ...exited, stopReason: "timeout" }, limits).reason).toContain("timed out after 600 s");
    expect(classifyAttempt(null, { ...exited, stopReason: "idle" }, limits).reason).toContain("no output for 300 s");
  });

  test("stopped by maos is interrupted, whatever the result says", () => {
    expect(classifyAttempt(result({ subtype: "error_during_execution", is_error: true }), { ...exited, stopReason: "interrupted" }, limits).status).toBe(
      "interrupted",
    );
    expect(classifyAttempt(null, { ...exited, stopReason: "killed" }, limits).status).toBe("interrupted");
  });
});
