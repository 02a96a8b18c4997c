import type { Database } from "bun:sqlite";
import * as v from "valibot";
import type { TaskStatus } from "../domain/status.ts";
import { readJson } from "./json.ts";
import { sqlNow } from "./time.ts";

export interface TaskRow {
  id: string;
  parent_task_id: string | null;
  description: string;
  status: TaskStatus;
  assigned_agents: string | null;
  subtasks: string | null;
  progress: number;
  result: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  orchestration_id: string;
  task_key: string;
  position: number;
  agent_type: string;
  depends_on: string;
  attempt: number;
  session_id: string | null;
  error: string | null;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
  duration_ms: number;
  completed_count: number;
  /** 1 when the user cancelled it: resume leaves it cancelled. */
  user_cancelled: number;
  /** 1 after retry --fresh: its next attempt starts a new Claude session. */
  fresh_session: number;
}

const KeyList = v.array(v.string());

export function taskDependencies(row: Pick<TaskRow, "id" | "depends_on">): string[] {
  return readJson(KeyList, row.depends_on, `tasks.depends_on of ${row.id}`);
}

export function taskId(orchestrationId: string, key: string): string {
  return `${orchestrationId}:${key}`;
}

export interface NewTask {
  orchestrationId: string;
  key: string;
  position: number;
  agentType: string;
  description: string;
  dependsOn: string[];
}

export function insertTask(db: Database, t: NewTask): string {
  const id = taskId(t.orchestrationId, t.key);
  db.query(
    `INSERT INTO tasks (id, orchestration_id, task_key, position, agent_type, description, depends_on,
       assigned_agents, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, t.orchestrationId, t.key, t.position, t.agentType, t.description, JSON.stringify(t.dependsOn), JSON.stringify([id]), sqlNow());
  return id;
}

export function listTasks(db: Database, orchestrationId: string): TaskRow[] {
  return db
    .query<TaskRow, [string]>("SELECT * FROM tasks WHERE orchestration_id = ? ORDER BY position")
    .all(orchestrationId);
}

export function getTask(db: Database, id: string): TaskRow | null {
  return db.query<TaskRow, [string]>("SELECT * FROM tasks WHERE id = ?").get(id);
}

/** Marks a task running for a new attempt; returns the attempt number. */
export function startTaskAttempt(db: Database, id: string, sessionId: string): number {
  const row = db
    .query<{ attempt: number }, [string, string, string]>(
      `UPDATE tasks SET status = 'running', attempt = attempt + 1, session_id = ?, error = NULL, fresh_session = 0,
         started_at = COALESCE(started_at, ?)
       WHERE id = ? AND status IN ('pending','running','failed') RETURNING attempt`,
    )
    .get(sessionId, sqlNow(), id);
  if (!row) throw new Error(`task ${id} cannot start: it is not pending`);
  return row.attempt;
}

export interface TaskOutcome {
  status: Extract<TaskStatus, "completed" | "failed" | "pending">;
  result: string | null;
  error: string | null;
}

/** Ends a task; `completed_count` counts completions so a double completion is detectable. */
export function finishTask(db: Database, id: string, outcome: TaskOutcome): void {
  const done = outcome.status === "completed";
  db.query(
    `UPDATE tasks SET status = ?, result = COALESCE(?, result), error = ?, progress = CASE WHEN ? THEN 1.0 ELSE progress END,
       completed_at = CASE WHEN ? THEN ? ELSE completed_at END, completed_count = completed_count + ?
     WHERE id = ?`,
  ).run(outcome.status, outcome.result, outcome.error, done ? 1 : 0, done ? 1 : 0, sqlNow(), done ? 1 : 0, id);
}

/** Adds one attempt's usage to the task (called once per attempt, inside the attempt's final transaction). */
export function addTaskUsage(
  db: Database,
  id: string,
  u: { costUsd: number; inputTokens: number; outputTokens: number; numTurns: number; durationMs: number },
): void {
  db.query(
    `UPDATE tasks SET cost_usd = cost_usd + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
       num_turns = num_turns + ?, duration_ms = duration_ms + ? WHERE id = ?`,
  ).run(u.costUsd, u.inputTokens, u.outputTokens, u.numTurns, u.durationMs, id);
}

/**
 * A stop reason is added after the one already recorded, never written over it: a task
 * reopened by a resume keeps why it stopped until an attempt really starts (which clears
 * it), so stopping it again reads "<earlier reason>; then <new reason>". A repeat of the
 * last reason is not added twice. Binds the reason as $reason.
 */
const addReason = `error = CASE
    WHEN $reason IS NULL THEN error
    WHEN error IS NULL THEN $reason
    WHEN substr(error, -length($reason)) = $reason THEN error
    ELSE error || '; then ' || $reason END`;

export function setTaskStatus(db: Database, id: string, status: TaskStatus, error: string | null = null): void {
  db.query(`UPDATE tasks SET status = $status, ${addReason} WHERE id = $id`).run({ status, reason: error, id });
}

/** Puts interrupted (running) tasks of an orchestration back to pending so the scheduler picks them up. */
export function requeueRunningTasks(db: Database, orchestrationId: string): number {
  return db
    .query("UPDATE tasks SET status = 'pending' WHERE orchestration_id = ? AND status = 'running'")
    .run(orchestrationId).changes;
}

/**
 * Blocked, cancelled and failed tasks get another chance on resume, except those the user
 * cancelled (`orchestration cancel`). Their recorded reason
 * stays in `error` until their next attempt starts (each attempt's own reason stays in
 * `attempts.reason` for good).
 */
export function reopenStoppedTasks(db: Database, orchestrationId: string): number {
  return db
    .query("UPDATE tasks SET status = 'pending' WHERE orchestration_id = ? AND status IN ('blocked','cancelled','failed') AND user_cancelled = 0")
    .run(orchestrationId).changes;
}

export function maxTaskPosition(db: Database, orchestrationId: string): number {
  return (
    db
      .query<{ p: number | null }, [string]>("SELECT MAX(position) AS p FROM tasks WHERE orchestration_id = ?")
      .get(orchestrationId)?.p ?? -1
  );
}

/** Pending tasks that will not run (approval cancelled, budget spent) become 'cancelled'. */
export function cancelPendingTasks(db: Database, orchestrationId: string, reason: string): number {
  return db
    .query(`UPDATE tasks SET status = 'cancelled', ${addReason} WHERE orchestration_id = $orchestrationId AND status = 'pending'`)
    .run({ reason, orchestrationId }).changes;
}

/** retry: the task runs again (the user lifts a cancel); `fresh` makes its next attempt start a new Claude session. */
export function requeueTaskForRetry(db: Database, id: string, fresh: boolean): void {
  db.query("UPDATE tasks SET status = 'pending', user_cancelled = 0, fresh_session = ? WHERE id = ?").run(fresh ? 1 : 0, id);
}

/** skip: the user declares the task done; `result` is what its dependents are given. Counted as its one completion. */
export function completeTaskByUser(db: Database, id: string, result: string): void {
  db.query(
    `UPDATE tasks SET status = 'completed', result = ?, error = NULL, progress = 1.0, completed_at = ?,
       completed_count = completed_count + 1, user_cancelled = 0, fresh_session = 0
     WHERE id = ? AND status != 'completed'`,
  ).run(result, sqlNow(), id);
}

/** cancel: the task will not run; resume leaves it cancelled (see reopenStoppedTasks). */
export function cancelTaskByUser(db: Database, id: string, reason: string): void {
  db.query(`UPDATE tasks SET status = 'cancelled', user_cancelled = 1, ${addReason} WHERE id = $id AND status != 'completed'`).run({ reason, id });
}

/** Blocked tasks whose dependencies may complete again go back to pending (the scheduler re-blocks what still cannot run). */
export function unblockTasks(db: Database, ids: readonly string[]): number {
  let changed = 0;
  const query = db.query("UPDATE tasks SET status = 'pending' WHERE id = ? AND status = 'blocked'");
  for (const id of ids) changed += query.run(id).changes;
  return changed;
}

/** resume --force: tasks the user cancelled get another run too. */
export function forgetUserCancels(db: Database, orchestrationId: string): number {
  return db.query("UPDATE tasks SET user_cancelled = 0 WHERE orchestration_id = ? AND user_cancelled = 1").run(orchestrationId).changes;
}

/** Removes a plan nothing has run from yet (its agents go with it), so an edited or re-planned one replaces it at approval. */
export function deleteUnstartedTasks(db: Database, orchestrationId: string): void {
  db.query("DELETE FROM tasks WHERE orchestration_id = ? AND attempt = 0").run(orchestrationId);
}
