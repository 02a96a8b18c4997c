import { Database } from "bun:sqlite";
import { closeSync, openSync, readSync } from "node:fs";
import { EnvironmentError } from "../errors.ts";
import { schemaVersion } from "./schema-version.ts";

/**
 * maos databases say so in the SQLite header (`PRAGMA application_id`, offset 68), set in the
 * same transaction as the first tables (sql/0001_init.sql) and by sql/0004 for older files.
 * Checked before any pragma or write, so another application's file is left byte-identical,
 * its journal mode included.
 */
export const maosApplicationId = 0x4d414f53; // "MAOS"

const sqliteMagic = "SQLite format 3\0";

interface Header {
  isSqlite: boolean;
  applicationId: number;
  /** The file format bytes (offsets 18 and 19) are 2 once the database is in WAL mode. */
  wal: boolean;
}

/** What the identity check learned about an accepted file. */
export interface Identity {
  wal: boolean;
}

// A plain Uint8Array and byte reads, not a Buffer: the first Buffer.alloc of a process costs
// `orchestration list` about 0.15 ms (Bun sets up its Buffer code on first use).
function readHeader(path: string): Header {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(100);
    const read = readSync(fd, head, 0, 100, 0);
    let isSqlite = read >= 16;
    for (let i = 0; isSqlite && i < 16; i++) isSqlite = head[i] === sqliteMagic.charCodeAt(i);
    const applicationId = read >= 72 ? ((head[68]! << 24) | (head[69]! << 16) | (head[70]! << 8) | head[71]!) >>> 0 : 0;
    return { isSqlite, applicationId, wal: read >= 20 && head[18] === 2 && head[19] === 2 };
  } finally {
    closeSync(fd);
  }
}

interface Contents {
  applicationId: number;
  userVersion: number;
  tables: Set<string>;
  columns: (table: string) => Set<string>;
}

/**
 * Reads the id, version and schema through SQLite without writing: in a rollback-journal file a
 * read creates nothing; a WAL file (where a new maos database's first commit may still sit in
 * the -wal) is a maos file or about to be refused, and reading it changes no byte of it.
 */
function readContents(path: string): Contents {
  // Another maos creating this file may hold the lock that switches it to WAL, where SQLite
  // answers SQLITE_BUSY without waiting: try again for as long as busy_timeout would.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return readContentsOnce(path);
    } catch (error) {
      const busy = String((error as { code?: unknown }).code ?? "").startsWith("SQLITE_BUSY");
      if (!busy || Date.now() > deadline) throw error;
    }
    Bun.sleepSync(5 + Math.random() * 20);
  }
}

function readContentsOnce(path: string): Contents {
  const db = new Database(path, { readwrite: true, create: false });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    const applicationId = db.query<{ application_id: number }, []>("PRAGMA application_id").get()!.application_id >>> 0;
    const userVersion = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    const tables = new Set(
      db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all().map((r) => r.name),
    );
    const columnsOf = new Map<string, Set<string>>();
    for (const table of tables) {
      columnsOf.set(table, new Set(db.query<{ name: string }, []>(`SELECT name FROM pragma_table_info('${table.replaceAll("'", "''")}')`).all().map((r) => r.name)));
    }
    return { applicationId, userVersion, tables, columns: (t) => columnsOf.get(t) ?? new Set() };
  } finally {
    db.close(false);
  }
}

/** The maos tables of schema v1; a file holding them all is a maos database whatever its header says. */
const maosTables = ["orchestrations", "tasks", "agents", "sessions", "attempts", "messages", "deliveries", "checkpoints", "events", "resumes", "settings"];

/** The schema version a maos file without its user_version (a `sqlite3 .dump` restore) was written with. */
function versionFromSchema(contents: Contents): number {
  // One mark per migration, newest first: what each of them added.
  if (contents.tables.has("workspaces")) return 7;
  if (contents.columns("orchestrations").has("planner_input_tokens")) return 6;
  if (contents.tables.has("interventions")) return 5;
  if (contents.tables.has("actions")) return 4;
  if (contents.columns("resumes").has("option_changes")) return 3;
  if (contents.columns("attempts").has("cause")) return 2;
  return 1;
}

function notMaos(path: string, what: string): EnvironmentError {
  return new EnvironmentError(`${path} is not a maos database (${what})`, "pass --db with another path; the file was left untouched");
}

/**
 * Refuses, before anything writes to it, a file that is not a maos database: not SQLite at all,
 * another application's SQLite file, or a maos file that lost its identification (restored
 * from a dump), with the one command that adopts it. An empty SQLite file (no tables) is new.
 */
export function checkIdentity(path: string): Identity {
  const header = readHeader(path);
  const accepted: Identity = { wal: header.wal };
  if (!header.isSqlite) throw notMaos(path, "not a SQLite file");
  if (header.applicationId === maosApplicationId) return accepted;
  if (header.applicationId !== 0) throw notMaos(path, `a SQLite file of another application, application_id ${header.applicationId}`);
  const contents = readContents(path);
  if (contents.applicationId === maosApplicationId) return accepted;
  if (contents.applicationId !== 0) throw notMaos(path, `a SQLite file of another application, application_id ${contents.applicationId}`);
  if (contents.tables.size === 0) return accepted;
  const isMaosSchema = maosTables.every((t) => contents.tables.has(t));
  // A maos file from before the id existed: migration 0004 identifies it.
  if (isMaosSchema && contents.userVersion >= 1 && contents.userVersion <= schemaVersion) return accepted;
  if (isMaosSchema && contents.userVersion === 0) {
    const version = versionFromSchema(contents);
    throw new EnvironmentError(
      `${path} has maos's tables but no maos identification (restored from a dump?); the file was left untouched`,
      `if it is yours, adopt it: sqlite3 '${path.replaceAll("'", "'\\''")}' 'PRAGMA application_id = ${maosApplicationId}; PRAGMA user_version = ${version}'`,
    );
  }
  if (contents.userVersion > schemaVersion && isMaosSchema) return accepted; // refused as newer by the caller
  throw notMaos(path, "a SQLite file of another application");
}
