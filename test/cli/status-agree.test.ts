/** status, list and the resume header agree with each other and with the rows; full texts are reachable (defect 13). */
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from "bun:test";
import { previewResume } from "../../src/orchestrator/resume.ts";
import { renderResumePreview } from "../../src/ui/resume-view.ts";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, standardSpec, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

test("a crashed run: `maos status` counts it paused (interrupted) and its agents interrupted, like its table and `orchestration status`", async () => {
  const o = buildOrchestration(t.db, standardSpec({ owner: "dead" }));
  const status = JSON.parse((await runMaos(["status", "--json", "--db", t.path])).stdout);
  expect(status.orchestrations).toEqual({ "paused (interrupted)": 1 });
  expect(status.unfinished.map((u: { status: string }) => u.status)).toEqual(["paused (interrupted)"]);
  expect(status.agents.active).toBeUndefined();
  expect(status.agents.interrupted).toBe(1);
  const human = await runMaos(["status", "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(human.stdout).toContain("Orchestrations: 1 paused (interrupted)");
  expect(human.stdout).not.toMatch(/\d+ running|\d+ active/);
  const detail = JSON.parse((await runMaos(["orchestration", "status", o.id.slice(0, 8), "--json", "--db", t.path])).stdout);
  expect(detail.agents.map((a: { status: string }) => a.status)).not.toContain("active");
  const list = JSON.parse((await runMaos(["orchestration", "list", "--json", "--db", t.path])).stdout);
  expect(list.orchestrations[0].status).toBe("paused (interrupted)");
});

test("the resume header's 'last saved' is the last commit (an agent's event), not the creation time", () => {
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  const o = buildOrchestration(t.db, standardSpec({ owner: "dead", at: twoHoursAgo }));
  const agent = t.db.query<{ id: string }, [string]>("SELECT id FROM agents WHERE orchestration_id = ? LIMIT 1").get(o.id)!.id;
  const now = new Date().toISOString().replace("T", " ").slice(0, 23);
  t.db
    .query("INSERT INTO events (orchestration_id, agent_id, attempt, seq, ts, type, raw) VALUES (?, ?, 1, 999, ?, 'assistant', '{}')")
    .run(o.id, agent, now);
  const preview = previewResume(t.db, o.id, null);
  expect(preview.lastSavedAt).toBe(now);
  expect(renderResumePreview(preview)).toMatch(/created 2h00m ago, last saved 0s ago/);
});

test("`orchestration status <id> --task X` shows the whole error and result, every attempt's reason; --json exact; unknown task exit 3", async () => {
  const longError = `claude stopped: ${"x".repeat(120)}\nsecond line of the error with the real cause`;
  const o = buildOrchestration(t.db, {
    status: "failed",
    tasks: [
      { key: "a", status: "completed", result: `Done: ${"r".repeat(100)} END-OF-RESULT` },
      { key: "b", status: "failed", error: longError, deps: ["a"] },
    ],
  });
  const table = await runMaos(["orchestration", "status", o.id.slice(0, 8), "--tasks", "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(table.stdout).not.toContain("real cause");
  expect(table.stdout).toContain(`--task <KEY>`);
  const b = await runMaos(["orchestration", "status", o.id.slice(0, 8), "--task", "b", "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(b.code).toBe(0);
  expect(b.stdout).toContain("second line of the error with the real cause");
  expect(b.stdout).toContain("x".repeat(120));
  const a = await runMaos(["orchestration", "status", o.id.slice(0, 8), "--task", "a", "--db", t.path], { env: { NO_COLOR: "1" } });
  expect(a.stdout).toContain("END-OF-RESULT");
  const json = JSON.parse((await runMaos(["orchestration", "status", o.id.slice(0, 8), "--task", "b", "--json", "--db", t.path])).stdout);
  expect(json.error).toBe(longError);
  expect(json.attempts.length).toBeGreaterThan(0);
  const missing = await runMaos(["orchestration", "status", o.id.slice(0, 8), "--task", "zzz", "--db", t.path]);
  expect(missing.code).toBe(3);
  expect(missing.stderr.trim()).toBe(`maos: orchestration ${o.id.slice(0, 8)} has no task "zzz" — its tasks: a, b`);
});
