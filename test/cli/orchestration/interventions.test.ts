import { describe, expect, test } from "bun:test";
import { processAlive, stillRunning } from "../../../src/system/processes.ts";
import { controlDir, waitFor, type ControlDir } from "../../support/control-run.ts";

const slow = 180_000;

interface TaskState {
  task_key: string;
  status: string;
  result: string | null;
  attempt: number;
  user_cancelled: number;
}

function tasks(c: ControlDir): Record<string, TaskState> {
  const rows = c.query<TaskState>("SELECT task_key, status, result, attempt, user_cancelled FROM tasks ORDER BY position");
  return Object.fromEntries(rows.map((r) => [r.task_key, r]));
}

function orchestrationId(c: ControlDir): string {
  return c.query<{ id: string }>("SELECT id FROM orchestrations")[0]!.id;
}

function attempts(c: ControlDir, key: string) {
  return c.query<{ attempt: number; session_id: string; resumed: number; status: string; cause: string | null; pid: number | null }>(
    "SELECT a.attempt, a.session_id, a.resumed, a.status, a.cause, a.pid FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE t.task_key = ? ORDER BY a.attempt",
    key,
  );
}

/** Waits until the task's agent process is running (its attempt recorded a pid). */
function runningPid(c: ControlDir, key: string): Promise<number> {
  return waitFor(`@${key} to run`, () => {
    try {
      return attempts(c, key).find((a) => a.status === "running" && a.pid !== null && a.pid > 0)?.pid ?? undefined;
    } catch {
      return undefined; // the database is still being created
    }
  });
}

const failA = { byPrompt: { "# Your task (@a)": [{ apiError: "invalid_request_error: bad input", status: 400 }], "*": [{ echoPrompt: true as const }] } };

describe("on a failed orchestration (nobody runs it), the command changes the rows itself", () => {
  test("skip marks the task done with --result, unblocks its dependents, and resume runs them with that result", async () => {
    const c = controlDir([["a", []], ["b", ["a"]]], failA);
    const first = await c.maos(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    expect(first.code).toBe(1);
    expect(tasks(c).b!.status).toBe("blocked");
    const id = orchestrationId(c);

    const skip = await c.maos(["orchestration", "skip", id.slice(0, 8), "@a", "--result", "use the cache"]);
    expect(skip.stderr).toBe("");
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain("Skip of @a applied: @a marked done by");
    expect(skip.stdout).toContain("unblocked @b");
    expect(skip.stdout).toContain(`Resume with: maos orchestration resume ${id.slice(0, 8)}`);
    const t = tasks(c);
    expect(t.a).toMatchObject({ status: "completed", result: "use the cache" });
    expect(t.b!.status).toBe("pending");
    expect(c.query<{ status: string }>("SELECT status FROM orchestrations")[0]!.status).toBe("paused");

    const resumed = await c.maos(["orchestration", "resume", id, "--auto"]);
    expect(resumed.code).toBe(0);
    const after = tasks(c);
    expect(after.b!.status).toBe("completed");
    // b's agent echoes its prompt: the skipped task's result is what it was given.
    expect(after.b!.result).toContain("### @a (developer)\nuse the cache");
    expect(attempts(c, "a")).toHaveLength(1);
    expect(resumed.stdout).toContain("Interventions:");

    const status = JSON.parse((await c.maos(["orchestration", "status", id, "--json"])).stdout);
    expect(status.interventions).toEqual([
      expect.objectContaining({ action: "skip", task: "a", result: "use the cache", status: "applied", requested_by: expect.stringMatching(/.+@.+/) }),
    ]);
    expect(status.interventions[0].requested_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  }, slow);

  test("retry --fresh puts the task and the dependents it blocked back to pending; its next attempt starts a new session", async () => {
    const c = controlDir([["a", []], ["b", ["a"]]], {
      byPrompt: { "# Your task (@a)": { attempts: [[{ apiError: "invalid_request_error: bad input", status: 400 }], [{ text: "a done" }]] }, "*": [{ text: "b done" }] },
    });
    expect((await c.maos(["orchestrate", "work", "--plan", "plan.json", "--auto"])).code).toBe(1);
    const id = orchestrationId(c);
    const retry = await c.maos(["orchestration", "retry", id, "@a", "--fresh", "--json"]);
    expect(retry.code).toBe(0);
    const doc = JSON.parse(retry.stdout);
    expect(doc.intervention).toMatchObject({ action: "retry", task: "a", fresh: true, status: "applied", applied_by: "command" });
    expect(doc.intervention.outcome).toBe("@a back to pending (next attempt in a fresh Claude session); unblocked @b");
    expect(tasks(c).a!.status).toBe("pending");
    expect(tasks(c).b!.status).toBe("pending");

    expect((await c.maos(["orchestration", "resume", id, "--auto"])).code).toBe(0);
    const [one, two] = attempts(c, "a");
    expect(two!.resumed).toBe(0);
    expect(two!.session_id).not.toBe(one!.session_id);
    expect(tasks(c).b!.status).toBe("completed");
  }, slow);

  test("a task that is not in the plan is not found (exit 3); a completed one cannot be skipped (exit 2); nothing is recorded", async () => {
    const c = controlDir([["a", []]], { steps: [{ text: "done" }] });
    expect((await c.maos(["orchestrate", "work", "--plan", "plan.json", "--auto"])).code).toBe(0);
    const id = orchestrationId(c);
    const missing = await c.maos(["orchestration", "retry", id, "@nope"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("maos: no task @nope in this orchestration — its tasks: @a\n");
    const done = await c.maos(["orchestration", "skip", id, "@a"]);
    expect(done.code).toBe(2);
    expect(done.stderr).toBe("maos: @a already completed; its result stands\n");
    const noTask = await c.maos(["orchestration", "retry", id]);
    expect(noTask.code).toBe(2);
    expect(c.query("SELECT * FROM interventions")).toEqual([]);
  }, slow);
});

describe("on a running orchestration, its owner applies the intervention", () => {
  test("cancel from another process stops its agents and leaves it consistent; resume needs --force", async () => {
    const c = controlDir([["a", []], ["b", ["a"]]], { byPrompt: { "# Your task (@a)": { attempts: [[{ hang: true }], [{ text: "a done" }]] }, "*": [{ text: "b done" }] } });
    const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    const agentPid = await runningPid(c, "a");
    const id = orchestrationId(c);

    const cancel = await c.maos(["orchestration", "cancel", id]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^Cancel of orchestration \w{8} applied by the running process \d+: orchestration cancelled: @a, @b will not run; its agents were stopped\./);
    const ended = await owner.done;
    expect(ended.code).toBe(0);
    expect(processAlive(agentPid)).toBe(false);

    const o = c.query<{ status: string; owner_pid: number | null; summary: string }>("SELECT status, owner_pid, summary FROM orchestrations")[0]!;
    expect(o.status).toBe("cancelled");
    expect(o.owner_pid).toBeNull();
    expect(o.summary).toMatch(/^cancelled by .+@.+/);
    expect(tasks(c).a).toMatchObject({ status: "cancelled", user_cancelled: 1 });
    expect(tasks(c).b).toMatchObject({ status: "cancelled", user_cancelled: 1 });
    expect(attempts(c, "a")).toEqual([expect.objectContaining({ status: "interrupted", cause: "user-interrupt" })]);
    expect(c.query("SELECT * FROM agents WHERE status = 'active'")).toEqual([]);
    expect(c.query<{ status: string }>("SELECT status FROM interventions")).toEqual([{ status: "applied" }]);

    const refused = await c.maos(["orchestration", "resume", id, "--auto"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--force");
    const forced = await c.maos(["orchestration", "resume", id, "--auto", "--force"]);
    expect(forced.code).toBe(0);
    expect(tasks(c).b!.status).toBe("completed");
  }, slow);

  test("skip of a running task stops its agent; its dependents run with the given result", async () => {
    const c = controlDir([["a", []], ["b", ["a"]]], { byPrompt: { "# Your task (@a)": [{ hang: true }], "*": [{ echoPrompt: true }] } });
    const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    const agentPid = await runningPid(c, "a");
    const skip = await c.maos(["orchestration", "skip", orchestrationId(c), "@a", "--result", "done by hand"]);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toContain("applied by the running process");
    const ended = await owner.done;
    expect(ended.code).toBe(0);
    expect(processAlive(agentPid)).toBe(false);
    expect(tasks(c).a).toMatchObject({ status: "completed", result: "done by hand" });
    expect(tasks(c).b!.result).toContain("### @a (developer)\ndone by hand");
    expect(ended.stdout).toContain("Interventions:");
  }, slow);

  test("cancel @task stops only that agent; its dependents are blocked, the rest runs", async () => {
    const c = controlDir(
      [["a", []], ["b", ["a"]], ["c", []]],
      { byPrompt: { "# Your task (@a)": [{ hang: true }], "# Your task (@c)": [{ sleepMs: 200 }, { text: "c done" }], "*": [{ text: "b done" }] } },
    );
    const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    await runningPid(c, "a");
    const cancel = await c.maos(["orchestration", "cancel", orchestrationId(c), "@a"]);
    expect(cancel.code).toBe(0);
    const ended = await owner.done;
    expect(ended.code).toBe(1);
    const t = tasks(c);
    expect(t.a).toMatchObject({ status: "cancelled", user_cancelled: 1 });
    expect(t.b!.status).toBe("blocked");
    expect(t.c!.status).toBe("completed");
  }, slow);

  test("retry --fresh of a running task restarts its agent in a new Claude session", async () => {
    const c = controlDir([["a", []]], { byPrompt: { "# Your task (@a)": { attempts: [[{ hang: true }], [{ text: "second try" }]] } } });
    const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    await runningPid(c, "a");
    const retry = await c.maos(["orchestration", "retry", orchestrationId(c), "a", "--fresh"]);
    expect(retry.code).toBe(0);
    expect((await owner.done).code).toBe(0);
    const [one, two] = attempts(c, "a");
    expect(one!.status).toBe("interrupted");
    expect(two).toMatchObject({ status: "completed", resumed: 0 });
    expect(two!.session_id).not.toBe(one!.session_id);
    expect(tasks(c).a!.result).toBe("second try");
  }, slow);

  test("cancel of a crashed run (its maos was killed) stops the agents it left behind and records everything as cancelled", async () => {
    const c = controlDir([["a", []], ["b", ["a"]]], { byPrompt: { "# Your task (@a)": [{ hang: true }], "*": [{ text: "b done" }] } });
    const owner = c.spawn(["orchestrate", "work", "--plan", "plan.json", "--auto"]);
    const agentPid = await runningPid(c, "a");
    owner.proc.kill("SIGKILL");
    await owner.done;
    const cancel = await c.maos(["orchestration", "cancel", orchestrationId(c)]);
    expect(cancel.stderr).toBe("");
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^Cancel of orchestration \w{8} applied: orchestration cancelled: @a, @b will not run\./);
    // It may stay a zombie until whoever adopted it reaps it: what matters is that it no longer runs.
    expect(stillRunning(agentPid)).toBe(false);
    expect(c.query<{ status: string; owner_pid: number | null }>("SELECT status, owner_pid FROM orchestrations")).toEqual([{ status: "cancelled", owner_pid: null }]);
    expect(attempts(c, "a")).toEqual([expect.objectContaining({ status: "interrupted", cause: "maos-stopped" })]);
    expect(Object.values(tasks(c)).map((t) => t.status)).toEqual(["cancelled", "cancelled"]);
  }, slow);
});
