import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where claude keeps a session's transcript: resume is cwd-scoped, and the project
 * folder is the cwd with every non-alphanumeric character replaced by '-'.
 */
export function transcriptPath(configDir: string | null, cwd: string, sessionId: string): string {
  const root = configDir ?? join(homedir(), ".claude");
  return join(root, "projects", cwd.replace(/[^A-Za-z0-9]/g, "-"), `${sessionId}.jsonl`);
}

export function transcriptExists(configDir: string | null, cwd: string, sessionId: string): boolean {
  return existsSync(transcriptPath(configDir, cwd, sessionId));
}
