/** A recorded stop reason is never written over: what a task reopened by a resume shows. */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { cancelPendingTasks, listTasks, reopenStoppedTasks, setTaskStatus, startTaskAttempt } from "../../src/store/tasks.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../support/fixtures.ts";

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const rows = (id: string) => listTasks(t.db, id).map((r) => [r.task_key, r.status, r.error]);

test("reopened tasks keep their reason until they start; stopping again adds the new reason after it, once", () => {
  const o = buildOrchestration(t.db, {
    status: "failed",
    tasks: [
      { key: "a", status: "failed", error: "timed out after 1 s (--agent-timeout)" },
      { key: "b", deps: ["a"], status: "blocked" },
      { key: "c", status: "cancelled" },
    ],
  });
  setTaskStatus(t.db, o.taskIds.c!, "cancelled", "not started: the --budget-usd budget was spent");
  expect(reopenStoppedTasks(t.db, o.id)).toBe(3);
  expect(rows(o.id)).toEqual([
    ["a", "pending", "timed out after 1 s (--agent-timeout)"],
    ["b", "pending", "a dependency failed"],
    ["c", "pending", "not started: the --budget-usd budget was spent"],
  ]);

  cancelPendingTasks(t.db, o.id, "not started: the --budget-usd budget was spent");
  expect(rows(o.id)).toEqual([
    ["a", "cancelled", "timed out after 1 s (--agent-timeout); then not started: the --budget-usd budget was spent"],
    ["b", "cancelled", "a dependency failed; then not started: the --budget-usd budget was spent"],
    ["c", "cancelled", "not started: the --budget-usd budget was spent"],
  ]);

  // Reopened again and stopped for the same reason: nothing is repeated.
  reopenStoppedTasks(t.db, o.id);
  cancelPendingTasks(t.db, o.id, "not started: the --budget-usd budget was spent");
  expect(rows(o.id)[2]).toEqual(["c", "cancelled", "not started: the --budget-usd budget was spent"]);

  // A real start clears the task's reason (each attempt keeps its own in the attempts table).
  reopenStoppedTasks(t.db, o.id);
  startTaskAttempt(t.db, o.taskIds.a!, crypto.randomUUID());
  expect(rows(o.id)[0]).toEqual(["a", "running", null]);
});
