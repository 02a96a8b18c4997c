/**
 * The sqlite3 troubleshooting queries of the original design document, run unchanged against a
 * database maos populated, through bun:sqlite and (when installed) the sqlite3 shell.
 */
import type { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { runMaos } from "../support/cli.ts";
import { buildOrchestration, createTestDb, standardSpec, type BuiltOrchestration, type TestDb } from "../support/fixtures.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
const hasSqlite3 = Bun.which("sqlite3") !== null;

interface Seeded {
  live: BuiltOrchestration;
  paused: BuiltOrchestration;
  done: BuiltOrchestration;
  oldMessages: number;
  recentMessages: number;
}

function seed(db: Database): Seeded {
  const live = buildOrchestration(
    db,
    standardSpec({
      messages: [
        { from: "analyze", text: "old discovery", type: "discovery", state: "acknowledged", at: daysAgo(9) },
        { from: "design", to: "build", text: "old direct", state: "delivered", at: daysAgo(8) },
        { from: "build", to: "design", text: "old pending", state: "pending", at: daysAgo(30) },
        { from: "design", to: "build", text: "six days old", state: "pending", at: daysAgo(6) },
        ...Array.from({ length: 12 }, (_, i) => ({ from: "build", to: "analyze", text: `recent ${i}`, at: new Date(Date.now() - (12 - i) * 60_000) })),
      ],
      checkpoints: [{ name: "first", at: daysAgo(3) }, { name: "second", at: daysAgo(1) }],
    }),
  );
  const paused = buildOrchestration(db, { status: "paused", tasks: [{ key: "a", status: "completed" }], checkpoints: [{ name: "third" }] });
  const done = buildOrchestration(db, {
    status: "completed",
    at: daysAgo(20),
    tasks: [{ key: "x", status: "completed" }, { key: "y", status: "completed" }],
    messages: [{ from: "x", text: "ancient broadcast", state: "acknowledged" }],
  });
  // Older than 7 days: three of live's and the completed one's broadcast; recent: "six days old" and the 12.
  return { live, paused, done, oldMessages: 4, recentMessages: 13 };
}

/** One way of running a query: bun:sqlite (foreign keys on, as maos opens it) or the sqlite3 shell (its defaults). */
interface Runner {
  all(sql: string): Record<string, unknown>[];
  run(sql: string): void;
}

const bunRunner = (db: Database): Runner => ({
  all: (sql) => db.query(sql).all() as Record<string, unknown>[],
  run: (sql) => void db.run(sql),
});

const shellRunner = (path: string): Runner => {
  const exec = (sql: string, json: boolean) => {
    const r = Bun.spawnSync(["sqlite3", ...(json ? ["-json"] : []), path, sql], { stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`sqlite3 failed: ${r.stderr.toString()}`);
    return r.stdout.toString();
  };
  return {
    all: (sql) => {
      const out = exec(sql, true).trim();
      return out ? JSON.parse(out) : [];
    },
    run: (sql) => void exec(sql, false),
  };
};

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

function runQueries(t: TestDb, s: Seeded, q: Runner) {
  const running = q.all("SELECT * FROM orchestrations WHERE status IN ('running','paused')");
  expect(running.map((r) => r.id).sort()).toEqual([s.live.id, s.paused.id].sort());
  expect(running[0]).toHaveProperty("request");
  expect(running[0]).toHaveProperty("message_count");

  const active = q.all("SELECT * FROM agents WHERE status = 'active'");
  expect(active.map((a) => a.id)).toEqual([s.live.taskIds.build]);
  expect(active[0]).toMatchObject({ name: "build", type: "developer", session_id: s.live.sessionIds.build });

  expect(q.all("SELECT COUNT(*) FROM messages")).toEqual([{ "COUNT(*)": s.oldMessages + s.recentMessages }]);

  const latest = q.all("SELECT * FROM messages ORDER BY timestamp DESC LIMIT 10");
  expect(latest.map((m) => m.message)).toEqual(Array.from({ length: 10 }, (_, i) => `recent ${11 - i}`));

  expect(q.all("SELECT name, created_at FROM checkpoints ORDER BY created_at DESC").map((c) => c.name)).toEqual(["third", "second", "first"]);

  // The documented parameterised UPDATE: pause an orchestration by hand.
  q.run(`UPDATE orchestrations SET status = 'paused' WHERE id = ${quote(s.live.id)}`);
  expect(t.db.query("SELECT status FROM orchestrations WHERE id = ?").get(s.live.id)).toEqual({ status: "paused" });

  const before = t.db.query<{ message: string; timestamp: string }, []>("SELECT message, timestamp FROM messages ORDER BY id").all();
  const expectedLeft = before.filter((m) => new Date(`${m.timestamp.replace(" ", "T")}Z`).getTime() >= daysAgo(7).getTime());
  expect(expectedLeft).toHaveLength(s.recentMessages);
  q.run("DELETE FROM messages WHERE timestamp < datetime('now', '-7 days')");
  const after = t.db.query<{ message: string; timestamp: string }, []>("SELECT message, timestamp FROM messages ORDER BY id").all();
  expect(after).toEqual(expectedLeft);
  // Their deliveries went with them, even from the sqlite3 shell (foreign keys off there).
  expect(t.db.query("SELECT COUNT(*) AS n FROM deliveries WHERE message_id NOT IN (SELECT id FROM messages)").get()).toEqual({ n: 0 });
  expect(t.db.query("PRAGMA foreign_key_check").all()).toEqual([]);
}

let t: TestDb;
beforeEach(() => {
  t = createTestDb();
});
afterEach(() => t.cleanup());

describe("troubleshooting queries from the original design", () => {
  test("through bun:sqlite (as maos opens the database)", () => {
    const s = seed(t.db);
    runQueries(t, s, bunRunner(t.db));
  });

  test.skipIf(!hasSqlite3)("through the sqlite3 shell, while maos has the database open", async () => {
    const s = seed(t.db);
    runQueries(t, s, shellRunner(t.path));
    // maos still reads the database the shell changed.
    const r = await runMaos(["orchestration", "list", "--status", "paused", "--json", "--db", t.path]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).orchestrations.map((o: { id: string }) => o.id)).toContain(s.live.id);
    expect(t.db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check).toBe("ok");
  });
});
