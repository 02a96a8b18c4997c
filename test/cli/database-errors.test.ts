import { afterEach, beforeEach, describe, expect, test, setDefaultTimeout } from "bun:test";
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
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

describe("only maos databases are opened (PRAGMA application_id)", () => {
  /** Another application's SQLite file, in its own (rollback-journal) mode. */
  function foreignDatabase(path: string, applicationId = 0): void {
    const db = new Database(path);
    db.exec("CREATE TABLE users(name, pw)");
    db.exec("INSERT INTO users VALUES ('ann', 'secret')");
    if (applicationId !== 0) db.exec(`PRAGMA application_id = ${applicationId}`);
    db.close();
  }

  test("another application's SQLite file is refused, byte-identical, journal mode included", async () => {
    const path = join(dir, "other.db");
    foreignDatabase(path);
    await expectEnvironmentError(path, dir, /other\.db is not a maos database \(a SQLite file of another application\) — pass --db with another path; the file was left untouched/);
    const doctor = await runMaos(["doctor", "--db", path], { env: { MAOS_CLAUDE_BIN: "/bin/true" } });
    expect(doctor.code).toBe(5);
    expect(doctor.stdout + doctor.stderr).toContain("not a maos database");
    const db = new Database(path, { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("delete");
    db.close();
  });

  test("a SQLite file with another application's id is refused the same way", async () => {
    const path = join(dir, "app.db");
    foreignDatabase(path, 42);
    await expectEnvironmentError(path, dir, /is not a maos database \(a SQLite file of another application, application_id 42\)/);
  });

  test("a maos database restored from a dump (no id, user_version 0): one line saying how to adopt it; adopted, it works", async () => {
    const original = join(dir, "orig.db");
    realDatabase(original);
    const dump = Bun.spawnSync(["sqlite3", original, ".dump"], { stdout: "pipe" });
    expect(dump.exitCode).toBe(0);
    const restoredDir = join(dir, "restored");
    mkdirSync(restoredDir);
    const path = join(restoredDir, "maos.db");
    expect(Bun.spawnSync(["sqlite3", path], { stdin: dump.stdout }).exitCode).toBe(0);
    // The adopt line names the schema version the dump's tables really have: the newest here.
    await expectEnvironmentError(
      path,
      restoredDir,
      new RegExp(String.raw`has maos's tables but no maos identification \(restored from a dump\?\); the file was left untouched — if it is yours, adopt it: sqlite3 '.*maos\.db' 'PRAGMA application_id = 1296125779; PRAGMA user_version = ${schemaVersion}'`),
    );
    const line = (await runMaos(["orchestration", "list", "--db", path])).stderr;
    const adopt = /adopt it: (sqlite3 .*)$/m.exec(line)![1]!;
    expect(Bun.spawnSync(["sh", "-c", adopt]).exitCode).toBe(0);
    const list = await runMaos(["orchestration", "list", "--db", path, "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).orchestrations.map((o: { id: string }) => o.id)).toContain("abcd1234-0000-4000-8000-000000000001");
  });

  test("a maos database from before the id (user_version 5, id 0) is identified by migration 0006 and works", async () => {
    const path = join(dir, "old.db");
    realDatabase(path);
    const db = new Database(path);
    // What a maos of schema v5 left: no id, no planner token columns, no worktree tables.
    db.exec("DROP TABLE merges; DROP TABLE task_worktrees; DROP TABLE workspaces");
    db.exec("ALTER TABLE orchestrations DROP COLUMN planner_input_tokens");
    db.exec("ALTER TABLE orchestrations DROP COLUMN planner_output_tokens");
    db.exec("PRAGMA application_id = 0; PRAGMA user_version = 5");
    db.close();
    const list = await runMaos(["orchestration", "list", "--db", path, "--json"]);
    expect(list.code).toBe(0);
    const after = new Database(path, { readonly: true });
    expect(after.query<{ application_id: number }, []>("PRAGMA application_id").get()!.application_id).toBe(1296125779);
    after.close();
  });
});

describe("the database and its -wal/-shm are private (0600)", () => {
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  test("a pre-existing empty maos.db at 0644 ends 0600, and so do its -wal and -shm", async () => {
    const path = join(dir, "maos.db");
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    const r = await runMaos(["orchestration", "save-interval", "60", "--db", path]);
    expect(r.code).toBe(0);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) expect(mode(file), file).toBe("600");
    expect(mode(path)).toBe("600");
  });

  test("a maos database copied at 0644 with a leftover -wal at 0644 is tightened", async () => {
    const path = join(dir, "maos.db");
    realDatabase(path);
    writeFileSync(`${path}-wal`, "");
    chmodSync(path, 0o644);
    chmodSync(`${path}-wal`, 0o644);
    const r = await runMaos(["orchestration", "list", "--db", path]);
    expect(r.code).toBe(0);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) expect(mode(file), file).toBe("600");
  });

  test("a dangling symlink as --db is refused, never followed into a new world-readable file", async () => {
    const path = join(dir, "maos.db");
    const target = join(dir, "elsewhere.db");
    symlinkSync(target, path);
    const r = await runMaos(["orchestration", "save-interval", "60", "--db", path]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("is a symlink to a missing file");
    expect(existsSync(target)).toBe(false);
    const wal = join(dir, "real.db");
    symlinkSync(join(dir, "missing-wal"), `${wal}-wal`);
    const r2 = await runMaos(["orchestration", "save-interval", "60", "--db", wal]);
    expect(r2.code).toBe(5);
    expect(existsSync(join(dir, "missing-wal"))).toBe(false);
    // A read command follows nothing either, on a real maos database whose -wal is such a link.
    const listed = join(dir, "listed.db");
    realDatabase(listed);
    symlinkSync(join(dir, "missing-listed-wal"), `${listed}-wal`);
    const r3 = await runMaos(["orchestration", "list", "--db", listed]);
    expect(r3.code).toBe(5);
    expect(r3.stderr).toContain("is a symlink to a missing file");
    expect(existsSync(join(dir, "missing-listed-wal"))).toBe(false);
  });
});
