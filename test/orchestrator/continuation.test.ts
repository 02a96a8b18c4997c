import { describe, expect, test } from "bun:test";
import { continuationFor, describeEnd, needsFreshSession } from "../../src/orchestrator/continuation.ts";
import type { AttemptRow } from "../../src/store/attempts.ts";

const row = (attempt: number, fields: Partial<AttemptRow>): AttemptRow =>
  ({ attempt, session_id: "s1", status: "failed", cause: "crashed", reason: "claude exited with code 1 without a result", ...fields }) as AttemptRow;

describe("continuation", () => {
  test("each cause is told as what really happened", () => {
    expect(describeEnd(row(1, { status: "interrupted", cause: "user-interrupt" }))).toContain("interrupted by the user");
    expect(describeEnd(row(1, { status: "interrupted", cause: "maos-stopped" }))).toContain("maos itself stopped unexpectedly");
    expect(describeEnd(row(2, { cause: "api-error", reason: "API Error: 529 overloaded." }))).toBe("Attempt 2 failed on an API error: API Error: 529 overloaded.");
    expect(describeEnd(row(1, { cause: "timeout", reason: "timed out after 600 s (--agent-timeout)" }))).toContain("stopped by maos");
    // A failure is never called an interruption.
    expect(describeEnd(row(1, { cause: "failed", reason: "boom" }))).toBe("Attempt 1 failed: boom.");
  });

  test("a fresh session after a session-bound error, or after two failures in a row in one session", () => {
    expect(needsFreshSession([row(1, { cause: "session-error" })], "s1")).toBe(true);
    expect(needsFreshSession([row(1, {})], "s1")).toBe(false);
    expect(needsFreshSession([row(1, {}), row(2, {})], "s1")).toBe(true);
    // An interruption in between resets the count; so does another session.
    expect(needsFreshSession([row(1, {}), row(2, { status: "interrupted", cause: "user-interrupt" })], "s1")).toBe(false);
    expect(needsFreshSession([row(1, { session_id: "s0" }), row(2, {})], "s1")).toBe(false);
  });

  test("a resumed session is told how the last attempt ended; a fresh one gets the history", () => {
    const attempts = [row(1, {}), row(2, { cause: "api-error", reason: "API Error: 500 boom" })];
    expect(continuationFor({ attempts, unfinishedText: "half", lastWords: new Map(), resume: true, freshBecause: null })).toEqual({
      kind: "resumed",
      why: "Attempt 2 failed on an API error: API Error: 500 boom.",
      previousOutput: "half",
    });
    const fresh = continuationFor({ attempts, unfinishedText: null, lastWords: new Map([[2, "working on it"]]), resume: false, freshBecause: null });
    expect(fresh.kind).toBe("restarted");
    if (fresh.kind !== "restarted") return;
    expect(fresh.why).toContain("- Attempt 1 ended because your claude process stopped unexpectedly");
    expect(fresh.why).toContain('- Attempt 2 failed on an API error: API Error: 500 boom. It last said: "working on it"');
    expect(fresh.why).toContain("fresh session");
    expect(continuationFor({ attempts: [], unfinishedText: null, lastWords: new Map(), resume: false, freshBecause: null })).toEqual({ kind: "first" });
  });
});
