import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
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

const list = (...args: string[]) => runMaos(["orchestration", "list", "--db", t.path, ...args]);
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

function seed() {
  const done = buildOrchestration(t.db, {
    request: "Old finished work",
    status: "completed",
    at: minutesAgo(90),
    tasks: [{ key: "only", type: "analyst", status: "completed", cost: 0.25 }],
  });
  const paused = buildOrchestration(t.db, { request: "Paused on purpose", status: "paused", at: minutesAgo(60), tasks: [{ key: "a" }] });
  const crashed = buildOrchestration(t.db, standardSpec({ request: "Crashed run", owner: "dead", at: minutesAgo(30) }));
  const live = buildOrchestration(t.db, standardSpec({ request: "Live run with a rather long request text that will be shortened" }));
  return { done, paused, crashed, live };
}

describe("maos orchestration list", () => {
  test("an empty database lists nothing", async () => {
    const r = await list();
    expect(r).toEqual({ code: 0, stdout: "No orchestrations yet.\n", stderr: "" });
    const j = await list("--json");
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ orchestrations: [] });
  });

  test("human output: one row per orchestration, newest first, crashed ones shown as paused (interrupted)", async () => {
    const { done, paused, crashed, live } = seed();
    const r = await list();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("\x1b["); // no colour on a pipe
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+REQUEST\s+STATUS\s+AGENTS\s+MESSAGES\s+COST\s+AGE$/);
    const rows = lines.slice(2);
    expect(rows.map((l) => l.slice(0, 8))).toEqual([live.id, crashed.id, paused.id, done.id].map((id) => id.slice(0, 8)));
    expect(rows[0]).toMatch(/Live run with a rather long request tex…\s+running\s+5\s+3\s+\$0\.30\s+\d+s ago/);
    expect(rows[1]).toContain("paused (interrupted)");
    expect(rows[2]).toMatch(/Paused on purpose\s+paused\s+1\s+0\s+\$0\.00\s+1h00m ago/);
    expect(rows[3]).toMatch(/Old finished work\s+completed\s+1\s+0\s+\$0\.25\s+1h30m ago/);
  });

  test("--json prints one document with counts, cost and both statuses", async () => {
    const { crashed, live } = seed();
    const r = await list("--json");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const doc = JSON.parse(r.stdout);
    expect(doc.orchestrations).toHaveLength(4);
    const [first, second] = doc.orchestrations;
    expect(first).toMatchObject({ id: live.id, status: "running", stored_status: "running", interrupted: false, agents: 5, messages: 3 });
    expect(first.cost_usd).toBeCloseTo(0.3);
    expect(second).toMatchObject({ id: crashed.id, status: "paused (interrupted)", stored_status: "running", interrupted: true });
    expect(first.agent_list).toBeUndefined();
  });

  test("--status filters; running excludes crashed ones, paused includes them", async () => {
    const { done, paused, crashed, live } = seed();
    const ids = async (status: string) => JSON.parse((await list("--status", status, "--json")).stdout).orchestrations.map((o: { id: string }) => o.id);
    expect(await ids("running")).toEqual([live.id]);
    expect(await ids("paused")).toEqual([crashed.id, paused.id]);
    expect(await ids("completed")).toEqual([done.id]);
    expect(await ids("failed")).toEqual([]);
    const r = await list("--status", "failed");
    expect(r).toEqual({ code: 0, stdout: "No failed orchestrations.\n", stderr: "" });
  });

  test("--limit caps the rows; the default is 20", async () => {
    for (let i = 0; i < 22; i++) buildOrchestration(t.db, { status: "completed", at: minutesAgo(100 - i) });
    const all = JSON.parse((await list("--json")).stdout).orchestrations;
    expect(all).toHaveLength(20);
    const two = JSON.parse((await list("--limit", "2", "--json")).stdout).orchestrations;
    expect(two.map((o: { id: string }) => o.id)).toEqual(all.slice(0, 2).map((o: { id: string }) => o.id));
    const human = await list("--limit=3");
    expect(human.stdout.trimEnd().split("\n")).toHaveLength(2 + 3);
  });

  test("--agents adds each orchestration's agents (human and JSON)", async () => {
    const { live } = seed();
    const r = await list("--agents", "--limit", "1");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${live.id.slice(0, 8)}  Live run`);
    expect(r.stdout).toMatch(/ {2}AGENT\s+TYPE\s+STATUS\s+SESSION\s+COST/);
    expect(r.stdout).toMatch(/ {2}analyze\s+analyst\s+completed\s+[0-9a-f]{8}\s+\$0\.10/);
    expect(r.stdout).toMatch(/ {2}test\s+tester\s+inactive\s+-\s+\$0\.00/);
    const doc = JSON.parse((await list("--agents", "--limit", "1", "--json")).stdout);
    const agents = doc.orchestrations[0].agent_list;
    expect(agents.map((a: { task_key: string }) => a.task_key)).toEqual(["analyze", "design", "build", "test", "review"]);
    expect(agents[2]).toMatchObject({ type: "developer", status: "active", messages_sent: 1, messages_received: 2 });
  });

  describe("bad input: exit 2, one line, database unchanged", () => {
    const cases: [string, string[], RegExp][] = [
      ["unknown --status", ["--status", "sleeping"], /--status must be one of running, paused, completed, failed, cancelled/],
      ["empty --status", ["--status", ""], /--status must be one of/],
      ["--limit 0", ["--limit", "0"], /--limit must be a positive integer, got "0"/],
      ["--limit -3", ["--limit", "-3"], /--limit must be a positive integer/],
      ["--limit abc", ["--limit", "abc"], /--limit must be a positive integer, got "abc"/],
      ["--limit 1.5", ["--limit", "1.5"], /--limit must be a positive integer/],
      ["--limit without a value", ["--limit"], /--limit must be a positive integer, got an empty value/],
      ["unknown flag", ["--bogus"], /unknown option --bogus for `maos orchestration list`/],
      ["extra argument", ["everything"], /unexpected argument "everything"/],
    ];
    for (const [name, args, message] of cases) {
      test(name, async () => {
        seed();
        const before = dumpDatabase(t.path);
        const r = await list(...args);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }
  });

  test("reading changes nothing", async () => {
    seed();
    const before = dumpDatabase(t.path);
    await list("--agents");
    await list("--json", "--status", "paused");
    expect(dumpDatabase(t.path)).toBe(before);
  });
});
