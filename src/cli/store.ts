import type { Database } from "bun:sqlite";
import { openDatabase, resolveDbPath, type OpenOptions } from "../store/db.ts";
import { configureLog } from "./log.ts";

/** Opens the database named by --db / MAOS_DB / ./maos.db and points the log file beside it. */
export function openStore(args: { db?: string; verbose?: boolean }, options: OpenOptions = {}): { db: Database; path: string } {
  const path = resolveDbPath(args.db);
  const db = openDatabase(path, options);
  configureLog(path, Boolean(args.verbose));
  return { db, path };
}
