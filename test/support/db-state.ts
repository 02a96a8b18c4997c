import { Database } from "bun:sqlite";
import { existsSync, readFileSync, statSync } from "node:fs";

/**
 * Every row of every table (plus schema and user_version) as one string, for asserting
 * that a command left the database exactly as it was.
 */
export function dumpDatabase(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version;
    const objects = db
      .query<{ type: string; name: string; sql: string | null }, []>(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .all();
    const tables = objects
      .filter((o) => o.type === "table")
      .map((t) => ({ table: t.name, rows: db.query(`SELECT * FROM "${t.name}" ORDER BY rowid`).all() }));
    return JSON.stringify({ version, objects, tables });
  } finally {
    db.close();
  }
}

/** Bytes, size and mtime of a file (or "absent"), for asserting that a file was not touched. */
export function fileFingerprint(path: string): string {
  if (!existsSync(path)) return "absent";
  const stat = statSync(path);
  if (stat.isDirectory()) return `directory ${stat.mtimeMs}`;
  const hash = new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
  return `${stat.size} ${stat.mtimeMs} ${stat.mode.toString(8)} ${hash}`;
}
