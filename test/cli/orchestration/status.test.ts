import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { setOrchestrationStatus } from "../../../src/store/orchestrations.ts";
import { ensureBinary } from "../../support/binary.ts";
import { OutputReader, runMaos, spawnMaos } from "../../support/cli.ts";
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

const status = (...args: string[]) => runMaos(["orchestration", "status", "--db", t.path, ...args]);

function seed() {
  return buildOrchestration(
    t.db,
    standardSpec({
      tasks: [
        { key: "analyze", type: "analyst", status: "completed", cost: 0.1, result: "Requirements: login, signup" },
        { key: "design", type: "architect", status: "completed", deps: ["analyze"], cost: 0.2, attempts: 2 },
        { key: "build", type: "developer", status: "failed", deps: ["design"], error: "tests did not compile" },
        { key: "test", type: "tester", status: "blocked", deps: ["build"] },
        { key: "review", type: "reviewer", status: "pending", deps: ["build"] },
      ],
    }),
  );
}

describe("maos orchestration status", () => {
  test("human output: header, progress bar, agent table, resumes and last checkpoint", async () => {
    const o = seed();
    const r = await status(o.id.slice(0, 8));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stdout).toContain(`Orchestration ${o.id.slice(0, 8)}  ${o.id}`);
    expect(r.stdout).toContain("Request:  Build a complete web application with auth and tests");
    expect(r.stdout).toMatch(/Status: {3}running {2}\(pid \d+, heartbeat \d+s ago\)/);
    expect(r.stdout).toMatch(/Created: {2}\d+s ago {3}Updated: \d+s ago/);
    expect(r.stdout).toContain("Progress: █████░░░░░░░ 40% (2/5 tasks)");
    expect(r.stdout).toMatch(/AGENT\s+TYPE\s+STATUS\s+SESSION\s+MESSAGES\s+COST/);
    expect(r.stdout).toMatch(new RegExp(`design\\s+architect\\s+completed\\s+${o.sessionIds.design!}\\s+3\\s+\\$0\\.20`));
    expect(r.stdout).toMatch(/build\s+developer\s+failed\s+[0-9a-f]{8}-[0-9a-f-]{27}\s+3\s+\$0\.01/);
    expect(r.stdout).toMatch(/test\s+tester\s+inactive\s+-\s+1\s+\$0\.00/);
    expect(r.stdout).toMatch(/Resumes:\n.*WHEN\s+PID\s+WAS/);
    expect(r.stdout).toContain(`Last checkpoint: ${o.checkpointNames[0]} (manual, `);
    expect(r.stdout).not.toContain("Tasks:");
    expect(r.stdout).not.toContain("Messages");
  });

  test("--tasks adds the task table with deps, attempts, cost, duration and result or error", async () => {
    const o = seed();
    const r = await status(o.id, "--tasks");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/KEY\s+TYPE\s+STATUS\s+DEPS\s+ATTEMPTS\s+COST\s+DURATION\s+RESULT \/ ERROR/);
    expect(r.stdout).toMatch(/analyze\s+analyst\s+completed\s+-\s+1\s+\$0\.10\s+2s\s+Requirements: login, signup/);
    expect(r.stdout).toMatch(/design\s+architect\s+completed\s+analyze\s+2\s+\$0\.20/);
    expect(r.stdout).toMatch(/build\s+developer\s+failed\s+design\s+1\s+\$0\.01\s+2s\s+tests did not compile/);
    expect(r.stdout).toMatch(/test\s+tester\s+blocked\s+build\s+0\s+\$0\.00\s+-\s+a dependency failed/);
  });

  test("--messages adds the conversation with delivery state", async () => {
    const o = seed();
    const r = await status(o.id, "--messages");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Messages (3):");
    expect(r.stdout).toMatch(/analyze → all\s+discovery\s+4\/4 delivered, 4 acked\s+DISCOVERY: uses postgres/);
    expect(r.stdout).toMatch(/design → build\s+message\s+1\/1 delivered, 0 acked\s+use the repository pattern/);
    expect(r.stdout).toMatch(/build → design\s+request\s+0\/1 delivered, 0 acked\s+which ORM\?/);
  });

  test("--json: one document; tasks and messages only when asked", async () => {
    const o = seed();
    const plain = await status(o.id, "--json");
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe("");
    const doc = JSON.parse(plain.stdout);
    expect(doc.orchestration).toMatchObject({ id: o.id, status: "running", stored_status: "running", interrupted: false });
    expect(doc.progress).toEqual({ completed: 2, total: 5, by_status: { completed: 2, failed: 1, blocked: 1, pending: 1 } });
    expect(doc.agents.map((a: { task_key: string }) => a.task_key)).toEqual(["analyze", "design", "build", "test", "review"]);
    expect(doc.agents[1].session_id).toBe(o.sessionIds.design);
    expect(doc.tasks).toBeUndefined();
    expect(doc.messages).toBeUndefined();
    expect(doc.resumes).toHaveLength(1);
    expect(doc.resumes[0].summary.done).toEqual(["analyze", "design"]);
    expect(doc.checkpoints).toMatchObject({ count: 1, last: { name: o.checkpointNames[0], kind: "manual" } });

    const full = JSON.parse((await status(o.id, "--json", "--tasks", "--messages")).stdout);
    expect(full.tasks[1]).toMatchObject({ key: "design", depends_on: ["analyze"], attempts: 2, status: "completed" });
    expect(full.tasks[2]).toMatchObject({ key: "build", status: "failed", error: "tests did not compile" });
    expect(full.messages.total).toBe(3);
    expect(full.messages.shown.map((m: { message: string }) => m.message)).toEqual([
      "DISCOVERY: uses postgres",
      "use the repository pattern",
      "which ORM?",
    ]);
  });

  test("a crashed orchestration is shown as paused (interrupted)", async () => {
    const o = buildOrchestration(t.db, standardSpec({ owner: "dead" }));
    const r = await status(o.id);
    expect(r.stdout).toContain("Status:   paused (interrupted)");
    expect(JSON.parse((await status(o.id, "--json")).stdout).orchestration.interrupted).toBe(true);
  });

  test("an orchestration without a plan yet", async () => {
    const o = buildOrchestration(t.db, { request: "just started" });
    const r = await status(o.id, "--tasks", "--messages");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Progress: ░░░░░░░░░░░░ 0% (0/0 tasks)");
    expect(r.stdout).toContain("(no agents yet)");
    expect(r.stdout).toContain("No checkpoints yet.");
  });

  describe("ids", () => {
    test("any unique prefix resolves; upper case too", async () => {
      const o = buildOrchestration(t.db, { id: "abcd1234-0000-4000-8000-000000000001" });
      buildOrchestration(t.db, { id: "abce1234-0000-4000-8000-000000000002" });
      for (const prefix of ["abcd", "ABCD12", o.id]) {
        const r = await status(prefix, "--json");
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).orchestration.id).toBe(o.id);
      }
    });

    const bad: [string, string, number, RegExp][] = [
      ["ambiguous prefix", "abc", 2, /"abc" matches several orchestrations: abcd1234-000, abce1234-000 — type more characters/],
      ["unknown id", "ffff", 3, /no orchestration matches "ffff"/],
      ["not an id", "x;drop", 2, /"x;drop" is not an orchestration id/],
      ["empty id", "", 2, /"" is not an orchestration id/],
    ];
    for (const [name, id, code, message] of bad) {
      test(`${name}: exit ${code}, database unchanged`, async () => {
        buildOrchestration(t.db, { id: "abcd1234-0000-4000-8000-000000000001" });
        buildOrchestration(t.db, { id: "abce1234-0000-4000-8000-000000000002" });
        const before = dumpDatabase(t.path);
        const r = await status(id);
        expect(r.code).toBe(code);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }

    test("missing id, unknown flag, extra argument, --watch with --json: exit 2", async () => {
      const o = seed();
      const before = dumpDatabase(t.path);
      for (const [args, message] of [
        [[], /Missing required positional argument: ID/],
        [[o.id, "--verbose-ish"], /unknown option --verbose-ish/],
        [[o.id, "more"], /unexpected argument "more"/],
        [[o.id, "--watch", "--json"], /--watch cannot be combined with --json/],
      ] as [string[], RegExp][]) {
        const r = await status(...args);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(message);
      }
      expect(dumpDatabase(t.path)).toBe(before);
    });
  });

  describe("--watch", () => {
    test("redraws until the orchestration reaches a final status, then exits 0", async () => {
      const o = seed();
      const child = spawnMaos(["orchestration", "status", o.id, "--watch", "--db", t.path]);
      const out = new OutputReader(child.stdout);
      const first = await out.until((s) => s.includes("Ctrl-C to stop."));
      expect(first).toMatch(/^--- \d{4}-\d\d-\d\dT/); // not a TTY: a new block, no screen clearing
      expect(first).not.toContain("\x1b[2J");
      expect(first).toContain("Progress: █████░░░░░░░ 40% (2/5 tasks)");
      setOrchestrationStatus(t.db, o.id, "failed", "build failed");
      const rest = await out.rest();
      expect(await child.exited).toBe(0);
      expect(rest).toContain("Status:   failed");
      expect(rest.trimEnd().endsWith("Finished.")).toBe(true);
    });

    test("Ctrl-C stops watching with exit 0", async () => {
      const o = seed();
      const child = spawnMaos(["orchestration", "status", o.id, "--watch", "--db", t.path]);
      await new OutputReader(child.stdout).until((s) => s.includes("Ctrl-C to stop."));
      child.kill("SIGINT");
      expect(await child.exited).toBe(0);
      expect(await new Response(child.stderr).text()).toBe("");
    });

    test.skipIf(!Bun.which("script"))("on a terminal: the screen is cleared and statuses are coloured; NO_COLOR turns colour off", async () => {
      const o = buildOrchestration(t.db, { status: "completed", tasks: [{ key: "a", status: "completed" }] });
      const underPty = async (env: Record<string, string>) => {
        // `script` gives the command a pseudo-terminal, as a person's shell would.
        const command = `${ensureBinary()} orchestration status ${o.id} --watch --db ${t.path}`;
        const child = Bun.spawn(["script", "-qec", command, "/dev/null"], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
        const out = await new Response(child.stdout).text();
        expect(await child.exited).toBe(0);
        return out;
      };
      const coloured = await underPty({});
      expect(coloured).toContain("\x1b[2J\x1b[H");
      expect(coloured).toContain("\x1b[32mcompleted\x1b[0m");
      const plain = await underPty({ NO_COLOR: "1" });
      expect(plain).toContain("\x1b[2J\x1b[H");
      expect(plain).not.toContain("\x1b[32m");
    });

    test("a finished orchestration is drawn once", async () => {
      const o = buildOrchestration(t.db, { status: "completed", tasks: [{ key: "a", status: "completed" }] });
      const r = await status(o.id, "--watch");
      expect(r.code).toBe(0);
      expect(r.stdout.match(/^--- /gm)).toHaveLength(1);
      expect(r.stdout).toContain("100% (1/1 tasks)");
    });
  });

  test("reading changes nothing", async () => {
    const o = seed();
    const before = dumpDatabase(t.path);
    await status(o.id, "--tasks", "--messages");
    await status(o.id, "--json", "--tasks", "--messages");
    expect(dumpDatabase(t.path)).toBe(before);
  });
});
