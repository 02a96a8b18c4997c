import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { countCheckpoints, listCheckpoints } from "../../../src/store/checkpoints.ts";
import { runMaos } from "../../support/cli.ts";
import { dumpDatabase } from "../../support/db-state.ts";
import { buildOrchestration, createTestDb, type TestDb } from "../../support/fixtures.ts";
import { scaled } from "../../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const cleanup = (...args: string[]) => runMaos(["recover", "cleanup", "--db", t.path, ...args]);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

function seed() {
  const failed = buildOrchestration(t.db, {
    status: "failed",
    tasks: [{ key: "a", status: "completed" }],
    checkpoints: [
      { name: "ancient", at: daysAgo(20) },
      { name: "auto-old", kind: "auto", at: daysAgo(8) },
      { name: "recent", at: daysAgo(1) },
    ],
  });
  const done = buildOrchestration(t.db, { status: "completed", checkpoints: [{ name: "pre-deploy", at: daysAgo(9) }, { name: "today" }] });
  // The README: cleanup never touches a running or paused orchestration, however old its checkpoints.
  const paused = buildOrchestration(t.db, { status: "paused", checkpoints: [{ name: "paused-old", at: daysAgo(30) }] });
  const interrupted = buildOrchestration(t.db, { status: "running", owner: "dead", checkpoints: [{ name: "crashed-old", at: daysAgo(30) }] });
  return { failed, done, paused, interrupted };
}

describe("maos recover cleanup", () => {
  test("deletes checkpoints older than DAYS and nothing else", async () => {
    const { failed, done, paused, interrupted } = seed();
    const before = t.db.query("SELECT COUNT(*) AS n FROM orchestrations").get();
    const r = await cleanup("--older-than", "7");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/NAME\s+KIND\s+ORCH\s+CREATED/);
    for (const name of ["ancient", "auto-old", "pre-deploy"]) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/Removed 3 checkpoints created before .* UTC\.\n$/);
    expect(listCheckpoints(t.db, failed.id).map((c) => c.name)).toEqual(["recent"]);
    expect(listCheckpoints(t.db, done.id).map((c) => c.name)).toEqual(["today"]);
    expect(listCheckpoints(t.db, paused.id).map((c) => c.name)).toEqual(["paused-old"]);
    expect(listCheckpoints(t.db, interrupted.id).map((c) => c.name)).toEqual(["crashed-old"]);
    expect(r.stdout).not.toContain("paused-old");
    expect(t.db.query("SELECT COUNT(*) AS n FROM orchestrations").get()).toEqual(before);
  });

  test("--dry-run deletes nothing; --json lists what goes", async () => {
    seed();
    const before = dumpDatabase(t.path);
    const dry = await cleanup("--older-than", "7", "--dry-run");
    expect(dry.stdout).toContain("Would remove 3 checkpoints");
    const doc = JSON.parse((await cleanup("--older-than", "7", "--dry-run", "--json")).stdout);
    expect(doc.dry_run).toBe(true);
    expect(doc.checkpoints.map((c: { name: string }) => c.name)).toEqual(["ancient", "pre-deploy", "auto-old"]);
    expect(dumpDatabase(t.path)).toBe(before);
    const real = JSON.parse((await cleanup("--older-than", "7", "--json")).stdout);
    expect(real.checkpoints).toEqual(doc.checkpoints);
    expect(countCheckpoints(t.db)).toBe(4);
    expect((await cleanup("--older-than", "7")).stdout).toMatch(/^No checkpoints older than .* UTC; nothing removed\.\n$/);
  });

  describe("bad input: exit 2, database unchanged", () => {
    for (const args of [["--older-than", "-7"], ["--older-than", "seven"], ["--older-than", ""], [], ["--older-than", "7", "--all"]]) {
      test(args.join(" ") || "(no --older-than)", async () => {
        seed();
        const before = dumpDatabase(t.path);
        const r = await cleanup(...args);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }
  });
});
