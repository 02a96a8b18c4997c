import type { Database } from "bun:sqlite";
import { sqlNow } from "./time.ts";

export type AttemptStatus = "running" | "completed" | "failed" | "interrupted";

export interface AttemptRow {
  id: number;
  orchestration_id: string;
  task_id: string;
  agent_id: string;
  attempt: number;
  session_id: string;
  resumed: number;
  pid: number | null;
  status: AttemptStatus;
  reason: string | null;
  stderr_tail: string | null;
  /** Why it ended, as a fixed word (AttemptCause); null while running and on rows older than the column. */
  cause: string | null;
  budget_share_usd: number | null;
  started_at: string;
  ended_at: string | null;
}

export interface NewAttempt {
  orchestrationId: string;
  taskId: string;
  agentId: string;
  attempt: number;
  sessionId: string;
  resumed: boolean;
  budgetShareUsd: number | null;
}

export function insertAttempt(db: Database, a: NewAttempt): number {
  return db
    .query<{ id: number }, [string, string, string, number, string, number, number | null, string]>(
      `INSERT INTO attempts (orchestration_id, task_id, agent_id, attempt, session_id, resumed, budget_share_usd, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(a.orchestrationId, a.taskId, a.agentId, a.attempt, a.sessionId, a.resumed ? 1 : 0, a.budgetShareUsd, sqlNow())!.id;
}

export function setAttemptPid(db: Database, id: number, pid: number): void {
  db.query("UPDATE attempts SET pid = ? WHERE id = ?").run(pid, id);
}

export function endAttempt(
  db: Database,
  id: number,
  e: { status: Exclude<AttemptStatus, "running">; cause: string; reason: string | null; stderrTail: string | null },
): void {
  db.query("UPDATE attempts SET status = ?, cause = ?, reason = ?, stderr_tail = ?, ended_at = ? WHERE id = ? AND status = 'running'").run(
    e.status,
    e.cause,
    e.reason,
    e.stderrTail,
    sqlNow(),
    id,
  );
}

export function listAttempts(db: Database, orchestrationId: string): AttemptRow[] {
  return db
    .query<AttemptRow, [string]>("SELECT * FROM attempts WHERE orchestration_id = ? ORDER BY id")
    .all(orchestrationId);
}

/** Attempts left 'running' by a process that died: their pids are the orphan candidates. */
export function listRunningAttempts(db: Database, orchestrationId: string): AttemptRow[] {
  return db
    .query<AttemptRow, [string]>("SELECT * FROM attempts WHERE orchestration_id = ? AND status = 'running' ORDER BY id")
    .all(orchestrationId);
}

/** A crashed run's attempts that never recorded an end become 'interrupted'. */
export function interruptRunningAttempts(db: Database, orchestrationId: string): number {
  return db
    .query(
      `UPDATE attempts SET status = 'interrupted', cause = COALESCE(cause, 'maos-stopped'),
         reason = COALESCE(reason, 'maos stopped before the attempt ended'), ended_at = ?
       WHERE orchestration_id = ? AND status = 'running'`,
    )
    .run(sqlNow(), orchestrationId).changes;
}

/** A task's attempts, oldest first (the continuation prompt reads how each ended). */
export function listTaskAttempts(db: Database, taskId: string): AttemptRow[] {
  return db.query<AttemptRow, [string]>("SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt").all(taskId);
}
