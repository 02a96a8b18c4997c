import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runMaos } from "../support/cli.ts";
import { tempDir } from "../support/claude-env.ts";
import { fileFingerprint } from "../support/db-state.ts";
import { buildOrchestration, createTestDb, standardSpec } from "../support/fixtures.ts";
import { schemaVersion } from "../../src/store/migrations.ts";
import { scaled } from "../support/machine.ts";

// These tests start processes: on a loaded machine they need more than the 5 s default.
setDefaultTimeout(scaled(20_000));

/** Every command that opens the database, read side and write side. */
const commands: ((db: string) => string[])[] = [
  (db) => ["orchestration", "list", "--db", db],
  (db) => ["orchestration", "status", "abcd", "--db", db],
  (db) => ["orchestration", "checkpoint", "abcd", "--name", "x", "--db", db],
  (db) => ["orchestration", "save-interval", "--db", db],
  (db) => ["orchestration", "save-interval", "60", "--db", db],
  (db) => ["orchestration", "cleanup", "--older-than", "0", "--db", db],
  (db) => ["recover", "cleanup", "--older-than", "0", "--db", db],
  (db) => ["status", "--json", "--db", db],
];

let dir: string;
let remove: () => void;
beforeEach(() => {
  ({ path: dir, cleanup: remove } = tempDir());
});
afterEach(() => remove());

/** A real maos database with data in it, closed (no -wal/-shm left beside it). */
function realDatabase(path: string): void {
  const t = createTestDb();
  buildOrchestration(t.db, standardSpec({ id: "abcd1234-0000-4000-8000-000000000001" }));
  t.db.exec("VACUUM INTO '" + path.replaceAll("'", "''") + "'");
  t.cleanup();
}

/** Runs every command; each must fail with exit 5 and one line, and leave the directory exactly as it was. */
async function expectEnvironmentError(db: string, watched: string, message: RegExp, only = commands): Promise<void> {
  const listing = () => readdirSync(watched).sort().map((name) => `${name} ${fileFingerprint(join(watched, name))}`);
  const before = listing();
  for (const command of only) {
    const args = command(db);
    const r = await runMaos(args);
    const where = `maos ${args.join(" ")}`;
    expect(r.code, where).toBe(5);
    expect(r.stdout, where).toBe("");
    expect(r.stderr, where).toMatch(message);
    expect(r.stderr.split("\n").filter(Boolean), where).toHaveLength(1);
    expect(listing(), where).toEqual(before);
  }
}

/** Whether this filesystem supports the immutable attribute (ext4 does; tmpfs and overlayfs may not). */
function immutableSupported(): boolean {
  const probe = tempDir();
  try {
    const set = Bun.spawnSync(["chattr", "+i", probe.path], { stderr: "pipe" });
    if (set.exitCode !== 0) return false;
    Bun.spawnSync(["chattr", "-i", probe.path]);
    return true;
  } catch {
    return false;
  } finally {
    probe.cleanup();
  }
}

describe("an unusable database: exit 5, one line, nothing written", () => {
  test("a file that is not SQLite", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "my precious notes\n".repeat(100));
    await expectEnvironmentError(path, dir, /is not a maos database \(not a SQLite file\) — pass --db with another path; the file was left untouched/);
  });

  test("a directory as --db", async () => {
    const path = join(dir, "adir");
    mkdirSync(path);
    await expectEnvironmentError(path, dir, /database path .*adir is a directory/);
  });

  test("a database whose schema is newer than the binary (in rollback-journal mode, so WAL would rewrite its header)", async () => {
    const path = join(dir, "future.db");
    realDatabase(path);
    const { Database } = await import("bun:sqlite");
    const db = new Database(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    await expectEnvironmentError(path, dir, new RegExp(`has schema version 99, newer than this maos understands \\(${schemaVersion}\\) — upgrade maos; the database was not changed`));
  });

  test("a corrupt SQLite file", async () => {
    const path = join(dir, "corrupt.db");
    realDatabase(path);
    const bytes = await Bun.file(path).bytes();
    bytes.fill(0xa5, 100); // keep the header, destroy every page after it
    writeFileSync(path, bytes);
    await expectEnvironmentError(path, dir, /is unusable: (database disk image is malformed|file is not a database)/);
  });

  test("a directory that cannot exist: the path runs through a regular file", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "not a directory");
    // Showing the save interval needs no database (it shows the default), so it is left out here.
    const needDb = commands.filter((c) => c("db").join(" ") !== "orchestration save-interval --db db");
    await expectEnvironmentError(join(file, "maos.db"), dir, /(unusable: unable to open database file|no database at|cannot write to)/, needDb);
    await expectEnvironmentError(join(file, "sub", "maos.db"), dir, /(no database at|cannot write to)/, needDb);
  });

  test.skipIf(!immutableSupported())("a directory nobody can write to, not even root (chattr +i)", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    const path = join(locked, "maos.db");
    realDatabase(path);
    Bun.spawnSync(["chattr", "+i", locked]);
    try {
      await expectEnvironmentError(path, locked, /cannot write to .*locked \(needed for the database and its WAL\)/);
    } finally {
      Bun.spawnSync(["chattr", "-i", locked]);
    }
  });
});
