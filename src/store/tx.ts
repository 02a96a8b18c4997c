import type { Database } from "bun:sqlite";

/**
 * The one way to write several rows atomically. BEGIN IMMEDIATE takes the write lock
 * up front, so concurrent maos processes wait on busy_timeout instead of failing
 * with SQLITE_BUSY when a read transaction tries to upgrade.
 */
export function transaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** Several reads that must see one consistent state; a deferred transaction takes no write lock. */
export function readTransaction<T>(db: Database, fn: () => T): T {
  return db.transaction(fn).deferred();
}
