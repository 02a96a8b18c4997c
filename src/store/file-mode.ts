import { chmodSync, lstatSync, statSync } from "node:fs";
import { EnvironmentError } from "../errors.ts";

/** The database and the files SQLite keeps beside it; all hold the same data. */
export function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/** lstat that treats a path that cannot exist (ENOTDIR: it runs through a file) as absent; the open reports it. */
function isSymlink(file: string): boolean {
  try {
    return lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false;
  }
}

/**
 * A symlink whose target does not exist would make SQLite (or our own create) write a new
 * file wherever it points, with the process umask: refused instead of followed.
 */
export function refuseDanglingSymlinks(path: string): void {
  for (const file of databaseFiles(path)) {
    if (!isSymlink(file) || statSync(file, { throwIfNoEntry: false })) continue;
    throw new EnvironmentError(
      `${file} is a symlink to a missing file; maos does not create files through it`,
      "remove the link or point --db at a real file; nothing was written",
    );
  }
}

/**
 * Tightens the database, -wal and -shm to 0600 however they came to exist (an empty file made
 * by someone else, an older maos, a copy): agent output and requests are in there.
 */
export function tightenDatabaseFiles(path: string): void {
  for (const file of databaseFiles(path)) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (!stat || (stat.mode & 0o077) === 0) continue;
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      throw new EnvironmentError(
        `${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}) and maos cannot make it private: ${(error as Error).message}`,
        `run: chmod 600 ${file}`,
        { cause: error },
      );
    }
  }
}
