import { Database, constants as sqlite } from "bun:sqlite";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { EnvironmentError, UsageError } from "../errors.ts";
import { absolutePath, parentDirectory } from "../system/absolute-path.ts";
import { refuseDanglingSymlinks, tightenDatabaseFiles } from "./file-mode.ts";
import { checkIdentity } from "./identity.ts";
import { schemaVersion } from "./schema-version.ts";

export type Durability = "full" | "normal";

export interface OpenOptions {
  /** Create the file (and apply migrations) when it does not exist. Read-side commands pass false. */
  create?: boolean;
  durability?: Durability;
  busyTimeoutMs?: number;
}

/** Where the database lives: --db, else MAOS_DB, else ./maos.db. */
export function resolveDbPath(flag?: string): string {
  if (flag !== undefined && flag.trim() === "") throw new UsageError("--db needs a path (it was empty)", "pass --db FILE, or leave it out for ./maos.db");
  return absolutePath(flag || process.env.MAOS_DB || "maos.db");
}

/**
 * Refuses, before SQLite touches it, a directory or a file that is not a maos database.
 * Returns whether its header already says WAL: the mode is stored in the file, so such a
 * database needs no `PRAGMA journal_mode = WAL` (an exclusive lock and a write per open).
 */
function checkExistingFile(path: string): boolean {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    throw new EnvironmentError(`database path ${path} is a directory`, "pass --db with a file path");
  }
  if (!stat.isFile()) {
    throw new EnvironmentError(`database path ${path} is not a regular file`, "pass --db with a file path; nothing was written");
  }
  if (stat.size === 0) return false;
  return checkIdentity(path).wal;
}

function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    // Another process created it first: fine, it did the same.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    // Another maos opening the same new database made it first.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function checkWritableDir(path: string): void {
  const dir = parentDirectory(absolutePath(path));
  try {
    // The database's own directory is made when its parent exists; a mistyped path is not
    // turned into a chain of new directories from /. mkdir fails (ENOENT, ENOTDIR, EACCES,
    // EROFS …) where the directory cannot exist or be written.
    if (!existsSync(dir)) makeDirectory(dir);
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new EnvironmentError(`directory ${dir} does not exist, nor does its parent`, `create it first (mkdir -p ${dir}) or choose another --db`);
    }
    throw new EnvironmentError(
      `cannot write to ${dir} (needed for the database and its WAL)`,
      "choose a writable location with --db or MAOS_DB",
    );
  }
}

/**
 * Switching to WAL needs an exclusive lock, and SQLite skips the busy handler when waiting
 * could deadlock (several processes creating the same new file at once): it returns
 * SQLITE_BUSY at once, or leaves the mode unchanged. So retry until busy_timeout runs out.
 */
function enableWal(db: Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
      if (mode === "wal") return;
      if (Date.now() > deadline) throw new Error(`cannot switch the journal to WAL (it stays ${mode})`);
    } catch (error) {
      const busy = (error as { code?: unknown }).code?.toString().startsWith("SQLITE_BUSY");
      if (!busy || Date.now() > deadline) throw error;
    }
    Bun.sleepSync(5 + Math.random() * 20);
  }
}

/** The connection's settings; busy_timeout is already set (openDatabase does it first). */
function applyPragmas(db: Database, options: OpenOptions, inWal: boolean): void {
  if (!inWal) enableWal(db, options.busyTimeoutMs ?? 10_000);
  setDurability(db, options.durability ?? "full");
  db.exec("PRAGMA foreign_keys = ON");
  // Statement journals in memory, not in temp files: each multi-row statement inside a
  // transaction otherwise costs file writes (measured: +50% mailbox throughput).
  db.exec("PRAGMA temp_store = MEMORY");
}

/** Refuses a database written by a newer maos; runs before any pragma that could write to it. Returns its version. */
function refuseNewerSchema(db: Database, path: string): number {
  const current = userVersion(db);
  if (current > schemaVersion) {
    throw new EnvironmentError(
      `database ${path} has schema version ${current}, newer than this maos understands (${schemaVersion})`,
      "upgrade maos; the database was not changed",
    );
  }
  return current;
}

/** Applies pending migrations, each in one transaction with its user_version bump. */
function migrate(db: Database, path: string, versionAtOpen: number): void {
  if (versionAtOpen >= schemaVersion) return;
  // Loaded only when there is something to apply: opening an up-to-date database (every read
  // command) does not load the migrations' SQL. require() is a chunk boundary for the bundler.
  const { migrations } = require("./migrations.ts") as typeof import("./migrations.ts");
  const current = refuseNewerSchema(db, path);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Re-read under the write lock: another process opening the same new file may have applied it already.
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    }).immediate();
  }
}

/**
 * Opens (creating if asked) the maos database with WAL, busy_timeout, foreign keys and
 * synchronous=FULL by default. Any problem with the file becomes one EnvironmentError (exit 5).
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database {
  refuseDanglingSymlinks(path);
  const exists = existsSync(path);
  if (!exists && options.create === false) {
    throw new EnvironmentError(`no database at ${path}`, "run `maos orchestrate` first, or pass --db / MAOS_DB");
  }
  const inWal = exists && checkExistingFile(path);
  checkWritableDir(path);
  let db: Database | undefined;
  try {
    // Created 0600 before SQLite opens it, so it is never readable by others, not even briefly.
    if (!exists) createPrivateFile(path);
    db = new Database(path, { create: true, strict: true });
    // Setting journal_mode=WAL rewrites the file header, so a newer database is refused first.
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    const version = refuseNewerSchema(db, path);
    // Reads the schema page, so a corrupt file fails here, before its mode is tightened and
    // anything is written (a file maos refuses is left as it was, its mode included).
    db.query("SELECT count(*) FROM sqlite_master").get();
    tightenDatabaseFiles(path);
    applyPragmas(db, options, inWal);
    migrate(db, path, version);
    // SQLite gives a new -wal/-shm the database's mode; ones left from before may be wider.
    tightenDatabaseFiles(path);
    // A read-side open keeps the -wal and -shm files when it closes (Bun closes it at exit)
    // instead of deleting them, so the next command opens them rather than creating them
    // again: that churn cost `orchestration list` about 1 ms. Set only once the open
    // succeeded, so a refused file is left exactly as it was.
    if (options.create === false) db.fileControl(sqlite.SQLITE_FCNTL_PERSIST_WAL, 1);
    return db;
  } catch (error) {
    db?.close(false);
    if (error instanceof EnvironmentError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new EnvironmentError(`database ${path} is unusable: ${message}`, "the file was left untouched; check it or pass another --db", {
      cause: error,
    });
  }
}

/** synchronous=FULL survives power loss; NORMAL may lose the last commits then (never corrupts in WAL). */
export function setDurability(db: Database, durability: Durability): void {
  db.exec(`PRAGMA synchronous = ${durability === "normal" ? "NORMAL" : "FULL"}`);
}

/** The connection's PRAGMA synchronous as its name (OFF, NORMAL, FULL, EXTRA). */
export function synchronousMode(db: Database): string {
  const value = db.query<{ synchronous: number }, []>("PRAGMA synchronous").get()!.synchronous;
  return ["OFF", "NORMAL", "FULL", "EXTRA"][value] ?? String(value);
}

export function userVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
}

/** PRAGMA integrity_check's lines: ["ok"] for a sound database. */
export function integrityCheck(db: Database): string[] {
  return db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
}

export function journalMode(db: Database): string {
  return db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode;
}
