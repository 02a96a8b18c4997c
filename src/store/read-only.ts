import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";

/**
 * A read-only connection for best-effort readers (shell completion): it never creates,
 * migrates or locks the database for writing. Null when there is no readable database.
 */
export function openReadOnly(path: string): Database | null {
  if (!existsSync(path)) return null;
  try {
    const db = new Database(path, { readonly: true, strict: true });
    db.exec("PRAGMA busy_timeout = 200");
    return db;
  } catch {
    return null;
  }
}
