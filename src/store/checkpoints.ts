import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { readJson } from "./json.ts";
import { sqlNow } from "./time.ts";

export interface CheckpointRow {
  id: string;
  name: string;
  description: string | null;
  orchestrator_state: string | null;
  agent_sessions: string | null;
  task_states: string | null;
  message_history: string | null;
  created_at: string;
  orchestration_id: string | null;
  kind: "manual" | "auto";
}

export interface NewCheckpoint {
  id: string;
  name: string;
  description: string | null;
  orchestrationId: string;
  kind: "manual" | "auto";
  orchestratorState: unknown;
  agentSessions: unknown;
  taskStates: unknown;
  messageHistory: unknown;
}

export function insertCheckpoint(db: Database, c: NewCheckpoint): void {
  db.query(
    `INSERT INTO checkpoints (id, name, description, orchestration_id, kind, orchestrator_state, agent_sessions,
       task_states, message_history, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    c.id,
    c.name,
    c.description,
    c.orchestrationId,
    c.kind,
    JSON.stringify(c.orchestratorState),
    JSON.stringify(c.agentSessions),
    JSON.stringify(c.taskStates),
    JSON.stringify(c.messageHistory),
    sqlNow(),
  );
}

export function checkpointNameExists(db: Database, name: string): boolean {
  return db.query("SELECT 1 FROM checkpoints WHERE name = ?").get(name) !== null;
}

export function listCheckpoints(db: Database, orchestrationId: string): CheckpointRow[] {
  return db
    .query<CheckpointRow, [string]>("SELECT * FROM checkpoints WHERE orchestration_id = ? ORDER BY created_at")
    .all(orchestrationId);
}

/** Checkpoints created before the cutoff, except those of running or paused orchestrations (they may still be resumed from). */
export function listCheckpointsBefore(db: Database, cutoff: string): CheckpointRow[] {
  return db
    .query<CheckpointRow, [string]>(
      `SELECT * FROM checkpoints WHERE created_at < ?
         AND (orchestration_id IS NULL
              OR orchestration_id NOT IN (SELECT id FROM orchestrations WHERE status IN ('running', 'paused')))
       ORDER BY created_at`,
    )
    .all(cutoff);
}

export function deleteCheckpoint(db: Database, id: string): void {
  db.query("DELETE FROM checkpoints WHERE id = ?").run(id);
}

export function countCheckpoints(db: Database): number {
  return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM checkpoints").get()!.n;
}

export function getLatestCheckpoint(db: Database, orchestrationId: string): CheckpointRow | null {
  return db
    .query<CheckpointRow, [string]>(
      "SELECT * FROM checkpoints WHERE orchestration_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
    .get(orchestrationId);
}

export function countOrchestrationCheckpoints(db: Database, orchestrationId: string): number {
  return db
    .query<{ n: number }, [string]>("SELECT COUNT(*) AS n FROM checkpoints WHERE orchestration_id = ?")
    .get(orchestrationId)!.n;
}

/** One task as a checkpoint recorded it (result only for completed tasks, and only in checkpoints that kept it). */
const CheckpointTaskSchema = v.object({
  status: v.string(),
  attempt: v.number(),
  session_id: v.nullable(v.string()),
  progress: v.optional(v.number()),
  result: v.optional(v.nullable(v.string())),
});
const CheckpointTasksSchema = v.record(v.string(), CheckpointTaskSchema);
export type CheckpointTask = v.InferOutput<typeof CheckpointTaskSchema>;

export function readCheckpointTasks(row: Pick<CheckpointRow, "id" | "task_states">): Record<string, CheckpointTask> {
  return readJson(CheckpointTasksSchema, row.task_states ?? "{}", `checkpoints.task_states of ${row.id}`);
}

export function findCheckpoint(db: Database, orchestrationId: string, name: string): CheckpointRow | null {
  return db.query<CheckpointRow, [string, string]>("SELECT * FROM checkpoints WHERE orchestration_id = ? AND name = ?").get(orchestrationId, name);
}

/** The code at a checkpoint, with --isolation worktree: the integration branch and each task's branch and commit. */
export const CheckpointCodeSchema = v.object({
  integration_branch: v.string(),
  integration_commit: v.string(),
  tasks: v.record(v.string(), v.object({ branch: v.string(), commit: v.nullable(v.string()) })),
});
export type CheckpointCode = v.InferOutput<typeof CheckpointCodeSchema>;

export function readCheckpointCode(row: Pick<CheckpointRow, "id" | "orchestrator_state">): CheckpointCode | null {
  const state = readJson(v.nullable(v.object({ code: v.optional(v.nullable(CheckpointCodeSchema), null) })), row.orchestrator_state, `checkpoints.orchestrator_state of ${row.id}`);
  return state?.code ?? null;
}

export function getCheckpoint(db: Database, id: string): CheckpointRow | null {
  return db.query<CheckpointRow, [string]>("SELECT * FROM checkpoints WHERE id = ?").get(id);
}
