import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { openDatabase, userVersion } from "../../src/store/db.ts";
import { migrations } from "../../src/store/migrations.ts";
import { getOrchestration, readOptions } from "../../src/store/orchestrations.ts";
import { listResumes } from "../../src/store/resumes.ts";
import { tempDir, type TempDir } from "../support/claude-env.ts";

let dir: TempDir;
beforeEach(() => {
  dir = tempDir("maos-migration-");
});
afterEach(() => dir.cleanup());

/** A database as maos v1 left it: only the first migration, rows written in its shape. */
function v1Database(path: string): void {
  const db = new Database(path, { create: true, strict: true });
  db.exec(migrations[0]!.sql);
  db.exec("PRAGMA user_version = 1");
  const options = { maxParallel: 2, agentTimeoutS: 60, idleTimeoutS: 300, retries: 1, budgetUsd: null, model: null, permissionMode: null, checkpointIntervalS: 120, maxTurns: null, claudeBin: null, liveDeliveryCap: 20 };
  const insert = db.query("INSERT INTO orchestrations (id, request, cwd, options) VALUES (?, 'r', '/tmp', ?)");
  insert.run("old", JSON.stringify(options));
  insert.run("hand-edited", "{not json");
  db.query("INSERT INTO resumes (orchestration_id, pid, previous_status, summary) VALUES ('old', 1, 'paused', ?)").run(
    JSON.stringify({ continued: [], started: ["a"], done: [], messagesWaiting: 0, addedTask: null, stoppedPids: [] }),
  );
  db.close();
}

test("migration 3 records the durability old orchestrations ran with and an empty change list for old resumes", () => {
  const path = join(dir.path, "maos.db");
  v1Database(path);
  const db = openDatabase(path);
  try {
    expect(userVersion(db)).toBe(migrations.length);
    const old = getOrchestration(db, "old")!;
    expect(JSON.parse(old.options!)).toMatchObject({ durability: "full", agentTimeoutS: 60 });
    expect(readOptions(old).durability).toBe("full");
    // A value that is not JSON is left for the reader to report, not made worse.
    expect(getOrchestration(db, "hand-edited")!.options).toBe("{not json");
    expect(listResumes(db, "old").map((r) => [r.parsed.started, r.changes])).toEqual([[["a"], []]]);
  } finally {
    db.close();
  }
});

test("options stored without durability (hand-written) read back with the default", () => {
  const options = JSON.stringify({ maxParallel: 1, agentTimeoutS: 1, idleTimeoutS: 1, retries: 0, budgetUsd: 1, model: null, permissionMode: null, checkpointIntervalS: 10, maxTurns: null, claudeBin: null, liveDeliveryCap: 0 });
  expect(readOptions({ id: "x", options }).durability).toBe("full");
});
