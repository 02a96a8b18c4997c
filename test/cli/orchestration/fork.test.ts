import { expect, test } from "bun:test";
import { controlDir, waitFor, type ControlDir } from "../../support/control-run.ts";

interface TaskRow {
  task_key: string;
  status: string;
  result: string | null;
  session_id: string | null;
  attempt: number;
}

const taskRows = (c: ControlDir, orchestrationId: string) =>
  c.query<TaskRow>("SELECT task_key, status, result, session_id, attempt FROM tasks WHERE orchestration_id = ? ORDER BY position", orchestrationId);

test("fork from a checkpoint taken mid-run keeps the finished part (results, sessions) and re-runs the rest; the original is untouched", async () => {
  const c = controlDir(
    [["a", []], ["b", ["a"]], ["c", ["b"]]],
    {
      byPrompt: {
        "# Your task (@a)": [{ text: "a result" }],
        "# Your task (@b)": { attempts: [[{ hang: true }], [{ text: "b again" }]] },
        "*": [{ echoPrompt: true }],
      },
    },
  );
  const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
  const id = await waitFor("@b to run after @a completed", () => {
    try {
      const row = c.query<{ orchestration_id: string }>(
        "SELECT t.orchestration_id FROM tasks t JOIN attempts a ON a.task_id = t.id WHERE t.task_key = 'b' AND a.status = 'running' AND a.pid > 0",
      )[0];
      return row?.orchestration_id;
    } catch {
      return undefined;
    }
  });
  expect((await c.maos(["orchestration", "checkpoint", id, "--name", "mid"])).code).toBe(0);
  // The original goes on to the end: @b is done by hand, @c runs on it.
  expect((await c.maos(["orchestration", "skip", id, "@b", "--result", "b by hand"])).code).toBe(0);
  expect((await owner.done).code).toBe(0);
  const original = taskRows(c, id);
  const originalAttempts = c.query("SELECT * FROM attempts ORDER BY id");
  expect(original.map((t) => t.status)).toEqual(["completed", "completed", "completed"]);

  const listed = JSON.parse((await c.maos(["orchestration", "checkpoints", id, "--json"])).stdout);
  expect(listed.checkpoints).toEqual([expect.objectContaining({ name: "mid", kind: "manual", completed: ["a"], running: ["b"], other: ["c"], sessions: 2 })]);
  expect((await c.maos(["orchestration", "checkpoints", id])).stdout).toMatch(/mid\s+manual\s+\S+ ago\s+1\/3\s+@a\s+@b/);

  const missing = await c.maos(["orchestration", "fork", id, "--checkpoint", "nope"]);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain('has no checkpoint "nope"');

  const fork = await c.maos(["orchestration", "fork", id.slice(0, 8), "--checkpoint", "mid", "--auto"]);
  expect(fork.stderr).toContain(`Forked ${id.slice(0, 8)} at checkpoint "mid"`);
  expect(fork.code).toBe(0);
  const forkId = c.query<{ id: string }>("SELECT id FROM orchestrations WHERE id != ?", id)[0]!.id;
  const forked = taskRows(c, forkId);
  expect(forked.map((t) => [t.task_key, t.status])).toEqual([["a", "completed"], ["b", "completed"], ["c", "completed"]]);
  // @a: kept as it was at the checkpoint, not run again.
  expect(forked[0]).toMatchObject({ result: "a result", session_id: original[0]!.session_id, attempt: 0 });
  // @b: run again from the checkpoint, in a new session; @c is given the fork's @b.
  expect(forked[1]!.result).toBe("b again");
  expect(forked[1]!.session_id).not.toBe(original[1]!.session_id);
  expect(forked[2]!.result).toContain("### @b (developer)\nb again");
  expect(c.query("SELECT * FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.orchestration_id = ? AND t.task_key = 'a'", forkId)).toEqual([]);

  expect(taskRows(c, id)).toEqual(original);
  expect(c.query("SELECT * FROM attempts WHERE orchestration_id = ? ORDER BY id", id)).toEqual(originalAttempts);
  const meta = JSON.parse(c.query<{ metadata: string }>("SELECT metadata FROM orchestrations WHERE id = ?", forkId)[0]!.metadata);
  expect(meta).toMatchObject({ forked_from: id, checkpoint: "mid" });
}, 180_000);
