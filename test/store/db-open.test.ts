import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { journalMode, openDatabase, synchronousMode, userVersion } from "../../src/store/db.ts";
import { migrations } from "../../src/store/migrations.ts";
import { schemaVersion } from "../../src/store/schema-version.ts";
import { repoRoot } from "../support/binary.ts";
import { tempDir, type TempDir } from "../support/claude-env.ts";

let dir: TempDir;
beforeEach(() => {
  dir = tempDir("maos-db-open-");
});
afterEach(() => dir.cleanup());

/** Bytes 18 and 19 of a SQLite header: 1 in rollback-journal mode, 2 in WAL. */
const headerModes = (path: string) => [...readFileSync(path).subarray(18, 20)];

function settings(db: Database) {
  return {
    journal: journalMode(db),
    synchronous: synchronousMode(db),
    foreignKeys: db.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys,
    tempStore: db.query<{ temp_store: number }, []>("PRAGMA temp_store").get()!.temp_store,
    busyTimeout: db.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout,
  };
}

describe("opening an existing database", () => {
  test("one in rollback-journal mode is switched to WAL; one already in WAL (told by its header) keeps every other setting", () => {
    const path = join(dir.path, "maos.db");
    const plain = new Database(path, { create: true, strict: true });
    for (const m of migrations) plain.exec(m.sql);
    plain.exec(`PRAGMA user_version = ${schemaVersion}`);
    plain.close();
    expect(headerModes(path)).toEqual([1, 1]);

    const first = openDatabase(path, { create: false });
    expect(settings(first)).toEqual({ journal: "wal", synchronous: "FULL", foreignKeys: 1, tempStore: 2, busyTimeout: 10_000 });
    first.close();
    expect(headerModes(path)).toEqual([2, 2]);

    const again = openDatabase(path, { create: false, durability: "normal", busyTimeoutMs: 2_000 });
    expect(settings(again)).toEqual({ journal: "wal", synchronous: "NORMAL", foreignKeys: 1, tempStore: 2, busyTimeout: 2_000 });
    expect(userVersion(again)).toBe(schemaVersion);
    again.close();
  });

  test("a read-side open (create: false) leaves the -wal and -shm files for the next command; a writer's last close removes them", () => {
    const path = join(dir.path, "maos.db");
    const companions = () => ["-wal", "-shm"].map((ext) => existsSync(path + ext));
    openDatabase(path).close();
    expect(companions()).toEqual([false, false]);
    openDatabase(path, { create: false }).close();
    expect(companions()).toEqual([true, true]);
    const reader = openDatabase(path, { create: false });
    expect(userVersion(reader)).toBe(schemaVersion);
    reader.close();
    openDatabase(path).close();
    expect(companions()).toEqual([false, false]);
  });
});

test("schema-version.ts states the number of migrations (db.ts opens without loading them)", () => {
  expect(schemaVersion).toBe(migrations.length);
  expect(readdirSync(join(repoRoot, "sql")).filter((f) => /^\d{4}_.*\.sql$/.test(f))).toHaveLength(schemaVersion);
});
