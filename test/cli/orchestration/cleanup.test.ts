import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { runMaos } from "../../support/cli.ts";
import { dumpDatabase } from "../../support/db-state.ts";
import { buildOrchestration, createTestDb, standardSpec, type OrchestrationSpec, type TestDb } from "../../support/fixtures.ts";
import { scaled } from "../../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

const cleanup = (...args: string[]) => runMaos(["orchestration", "cleanup", "--db", t.path, ...args]);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

/** Every table holding rows of an orchestration, and the column that says which. */
const ownedTables = ["tasks", "agents", "sessions", "attempts", "messages", "deliveries", "events", "checkpoints", "resumes"] as const;

function rowCounts(db: Database, id: string): Record<string, number> {
  const counts: Record<string, number> = {
    orchestrations: db.query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM orchestrations WHERE id = ?").get(id)!.n,
  };
  for (const table of ownedTables) {
    counts[table] = db.query<{ n: number }, [string]>(`SELECT COUNT(*) AS n FROM ${table} WHERE orchestration_id = ?`).get(id)!.n;
  }
  return counts;
}

const finished = (status: "completed" | "failed" | "cancelled", days: number): OrchestrationSpec =>
  standardSpec({
    status,
    at: daysAgo(days),
    tasks: [
      { key: "a", type: "analyst", status: "completed", attempts: 2, events: 4 },
      { key: "b", type: "developer", status: status === "completed" ? "completed" : "failed", deps: ["a"] },
    ],
    messages: [
      { from: "a", text: "DISCOVERY: found it", state: "acknowledged" },
      { from: "b", to: "a", text: "thanks", state: "delivered" },
    ],
    checkpoints: [{}, { kind: "auto" }],
    resumes: 2,
  });

function seed() {
  return {
    oldCompleted: buildOrchestration(t.db, finished("completed", 30)),
    oldFailed: buildOrchestration(t.db, finished("failed", 10)),
    oldCancelled: buildOrchestration(t.db, finished("cancelled", 8)),
    recentCompleted: buildOrchestration(t.db, finished("completed", 2)),
    oldRunning: buildOrchestration(t.db, standardSpec({ at: daysAgo(40) })), // live owner, stale heartbeat: shown paused
    oldCrashed: buildOrchestration(t.db, standardSpec({ at: daysAgo(40), owner: "dead" })),
    oldPaused: buildOrchestration(t.db, standardSpec({ at: daysAgo(40), status: "paused" })),
  };
}

describe("maos orchestration cleanup", () => {
  test("deletes finished orchestrations older than DAYS with every row they own; nothing else", async () => {
    const s = seed();
    const removed = [s.oldCompleted, s.oldFailed, s.oldCancelled];
    const kept = [s.recentCompleted, s.oldRunning, s.oldCrashed, s.oldPaused];
    const keptBefore = kept.map((o) => rowCounts(t.db, o.id));
    const removedBefore = rowCounts(t.db, s.oldFailed.id);
    // The fixture really wrote rows in every owned table, so the cascade is exercised everywhere.
    for (const table of ownedTables) expect(removedBefore[table]).toBeGreaterThan(0);

    const r = await cleanup("--older-than", "7");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const o of removed) expect(r.stdout).toContain(o.id.slice(0, 8));
    for (const o of kept) expect(r.stdout).not.toContain(o.id.slice(0, 8));
    expect(r.stdout).toMatch(/Removed 3 orchestrations finished before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, with 6 tasks, 6 agents, 6 sessions, 9 attempts, 6 messages, 6 deliveries, 33 events, 6 checkpoints, 6 resumes\./);

    for (const o of removed) {
      expect(rowCounts(t.db, o.id)).toEqual({ orchestrations: 0, tasks: 0, agents: 0, sessions: 0, attempts: 0, messages: 0, deliveries: 0, events: 0, checkpoints: 0, resumes: 0 });
    }
    expect(kept.map((o) => rowCounts(t.db, o.id))).toEqual(keptBefore);
    expect(t.db.query("PRAGMA foreign_key_check").all()).toEqual([]);
    expect(t.db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
  });

  test("--dry-run reports the same and deletes nothing; --json", async () => {
    const s = seed();
    const before = dumpDatabase(t.path);
    const dry = await cleanup("--older-than", "7", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("Would remove 3 orchestrations");
    expect(dumpDatabase(t.path)).toBe(before);

    const doc = JSON.parse((await cleanup("--older-than", "7", "--dry-run", "--json")).stdout);
    expect(doc.dry_run).toBe(true);
    expect(doc.orchestrations.map((o: { id: string }) => o.id).sort()).toEqual([s.oldCompleted.id, s.oldFailed.id, s.oldCancelled.id].sort());
    expect(doc.totals).toEqual({ orchestrations: 3, tasks: 6, agents: 6, sessions: 6, attempts: 9, messages: 6, deliveries: 6, events: 33, checkpoints: 6, resumes: 6 });
    expect(dumpDatabase(t.path)).toBe(before);

    const real = JSON.parse((await cleanup("--older-than", "7", "--json")).stdout);
    expect({ ...real, dry_run: true, cutoff: doc.cutoff }).toEqual(doc);
  });

  test("--older-than 0 takes every finished one, never running or paused ones", async () => {
    const s = seed();
    const r = JSON.parse((await cleanup("--older-than", "0", "--json")).stdout);
    expect(r.totals.orchestrations).toBe(4);
    const left = t.db.query<{ id: string }, []>("SELECT id FROM orchestrations ORDER BY id").all().map((o) => o.id);
    expect(left).toEqual([s.oldRunning.id, s.oldCrashed.id, s.oldPaused.id].sort());
    expect((await cleanup("--older-than", "0")).stdout).toMatch(/^No finished orchestrations older than .* UTC; nothing removed\.\n$/);
  });

  test("fractional days", async () => {
    const o = buildOrchestration(t.db, finished("completed", 0.75));
    expect(JSON.parse((await cleanup("--older-than", "1", "--json")).stdout).totals.orchestrations).toBe(0);
    expect(JSON.parse((await cleanup("--older-than", "0.5", "--json")).stdout).orchestrations[0].id).toBe(o.id);
  });

  test("all or nothing: a failure half way rolls every deletion back", async () => {
    const s = seed();
    // Fault injection: make deleting one of the three fail after another was already deleted.
    t.db.exec(`CREATE TRIGGER fail_delete BEFORE DELETE ON orchestrations WHEN old.id = '${s.oldCancelled.id}'
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    const before = dumpDatabase(t.path);
    const r = await cleanup("--older-than", "7");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("injected failure");
    expect(dumpDatabase(t.path)).toBe(before);
  });

  describe("bad --older-than: exit 2, database unchanged", () => {
    const cases: [string, string[], RegExp][] = [
      ["negative", ["--older-than", "-1"], /--older-than must be a number of days \(0 or more\), got "-1"/],
      ["not a number", ["--older-than", "week"], /got "week"/],
      ["empty", ["--older-than", ""], /got an empty value/],
      ["exponent", ["--older-than", "1e3"], /got "1e3"/],
      ["with a unit", ["--older-than", "7d"], /got "7d"/],
      ["absurd", ["--older-than", "99999999"], /got "99999999"/],
      ["missing", [], /Missing required argument: --older-than/],
      ["unknown flag", ["--older-than", "7", "--yes"], /unknown option --yes/],
      ["extra argument", ["--older-than", "7", "now"], /unexpected argument "now"/],
    ];
    for (const [name, args, message] of cases) {
      test(name, async () => {
        seed();
        const before = dumpDatabase(t.path);
        const r = await cleanup(...args);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(message);
        expect(dumpDatabase(t.path)).toBe(before);
      });
    }
  });
});
