import type { Database } from "bun:sqlite";
import { sqlNow } from "./time.ts";

/** Where a fork came from, kept in the orchestration's metadata column. */
export function recordForkOrigin(db: Database, id: string, origin: { forked_from: string; checkpoint: string; checkpoint_id: string }): void {
  db.query("UPDATE orchestrations SET metadata = ? WHERE id = ?").run(JSON.stringify(origin), id);
}

/**
 * A task the checkpoint had finished: completed in the fork with the same result and the
 * same Claude session. It used no money in the fork, so its usage stays zero.
 */
export function copyFinishedTask(db: Database, taskId: string, f: { result: string | null; sessionId: string | null }): void {
  db.query(
    `UPDATE tasks SET status = 'completed', result = ?, session_id = ?, progress = 1.0, completed_at = ?, completed_count = 1
     WHERE id = ?`,
  ).run(f.result ?? "", f.sessionId, sqlNow(), taskId);
}

/** The checkpoint an orchestration was forked from, or null (not a fork). */
export function forkCheckpointId(db: Database, id: string): string | null {
  const row = db.query<{ metadata: string | null }, [string]>("SELECT metadata FROM orchestrations WHERE id = ?").get(id);
  if (!row?.metadata) return null;
  try {
    const origin = JSON.parse(row.metadata) as { checkpoint_id?: unknown };
    return typeof origin.checkpoint_id === "string" ? origin.checkpoint_id : null;
  } catch {
    return null;
  }
}
