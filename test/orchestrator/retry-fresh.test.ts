import { expect, test } from "bun:test";
import { needsFreshSession } from "../../src/orchestrator/continuation.ts";

const interrupted = { session_id: "s1", status: "interrupted" as const, cause: "user-interrupt" };

test("retry --fresh: the next attempt starts a new session even when the old one could be continued", () => {
  expect(needsFreshSession([interrupted], "s1")).toBe(false);
  expect(needsFreshSession([interrupted], "s1", true)).toBe(true);
  // A task that never ran has no session to leave: the flag changes nothing.
  expect(needsFreshSession([], null, true)).toBe(false);
});
