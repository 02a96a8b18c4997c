import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { listCheckpoints } from "../../../src/store/checkpoints.ts";
import { runMaos } from "../../support/cli.ts";
import { dumpDatabase } from "../../support/db-state.ts";
import { buildOrchestration, createTestDb, standardSpec, type TestDb } from "../../support/fixtures.ts";
import { scaled } from "../../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const checkpoint = (...args: string[]) => runMaos(["orchestration", "checkpoint", "--db", t.path, ...args]);

describe("maos orchestration checkpoint", () => {
  test("saves a named checkpoint with real content", async () => {
    const o = buildOrchestration(t.db, standardSpec({ checkpoints: [] }));
    const r = await checkpoint(o.id.slice(0, 8), "--name", "before-refactor");
    expect(r).toEqual({
      code: 0,
      stdout: `Checkpoint "before-refactor" saved for ${o.id.slice(0, 8)}: 5 tasks, 5 agents, message cursor ${o.messageIds.at(-1)}.\n`,
      stderr: "",
    });
    const [saved] = listCheckpoints(t.db, o.id);
    expect(saved).toMatchObject({ name: "before-refactor", kind: "manual", orchestration_id: o.id });
    const tasks = JSON.parse(saved!.task_states!);
    expect(Object.fromEntries(Object.entries(tasks).map(([k, v]) => [k, (v as { status: string }).status]))).toEqual({
      analyze: "completed",
      design: "completed",
      build: "running",
      test: "pending",
      review: "pending",
    });
    const sessions = JSON.parse(saved!.agent_sessions!);
    expect(sessions[o.taskIds.design!]).toMatchObject({ session_id: o.sessionIds.design, last_seq: 6, attempt: 2 });
    expect(JSON.parse(saved!.message_history!)).toEqual({ last_message_id: o.messageIds.at(-1), pending_deliveries: 1 });
  });

  test("without --name a unique name is made up; --json prints the checkpoint", async () => {
    const o = buildOrchestration(t.db, standardSpec({ checkpoints: [] }));
    const r = await checkpoint(o.id, "--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ orchestration_id: o.id, kind: "manual", tasks: 5, agents: 5 });
    expect(doc.name).toMatch(new RegExp(`^manual-${o.id.slice(0, 8)}-\\d{17}$`));
    expect(listCheckpoints(t.db, o.id).map((c) => c.id)).toEqual([doc.id]);
  });

  test("a name of exactly 100 printable characters (any script) is accepted", async () => {
    const o = buildOrchestration(t.db, {});
    const name = `é${"x".repeat(98)}✓`;
    expect((await checkpoint(o.id, "--name", name)).code).toBe(0);
    expect(listCheckpoints(t.db, o.id)[0]!.name).toBe(name);
  });

  describe("bad input: exit code, one line, database unchanged", () => {
    const cases: [string, (id: string) => string[], number, RegExp][] = [
      ["duplicate name", (id) => [id, "--name", "taken"], 2, /a checkpoint named "taken" already exists — choose another --name/],
      ["empty name", (id) => [id, "--name", ""], 2, /--name must be 1 to 100 printable characters, got an empty name/],
      ["blank name", (id) => [id, "--name", "   "], 2, /got an empty name/],
      ["101 characters", (id) => [id, "--name", "n".repeat(101)], 2, /got 101 characters/],
      ["a tab", (id) => [id, "--name", "a\tb"], 2, /got unprintable characters/],
      ["an escape sequence", (id) => [id, "--name", "a\x1b[31mred"], 2, /got unprintable characters/],
      ["--name without a value", (id) => [id, "--name"], 2, /got an empty name/],
      ["unknown id", () => ["0000dead", "--name", "x"], 3, /no orchestration matches "0000dead"/],
      ["ambiguous prefix", () => ["abc", "--name", "x"], 2, /"abc" matches several orchestrations/],
      ["missing id", () => [], 2, /Missing required positional argument: ID/],
      ["unknown flag", (id) => [id, "--label", "x"], 2, /unknown option --label/],
    ];
    for (const [name, args, code, message] of cases) {
      test(name, async () => {
        const o = buildOrchestration(t.db, { id: "abcd1234-0000-4000-8000-000000000001", checkpoints: [{ name: "taken" }] });
        buildOrchestration(t.db, { id: "abce1234-0000-4000-8000-000000000002" });
        const before = dumpDatabase(t.path);
        const r = await checkpoint(...args(o.id));
        expect(r.code).toBe(code);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }
  });
});
