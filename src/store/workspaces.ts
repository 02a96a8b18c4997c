import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { readJson } from "./json.ts";
import { sqlNow } from "./time.ts";

/** The worktree isolation of an orchestration: its integration branch, each task's worktree, and every merge. */

export interface WorkspaceRow {
  orchestration_id: string;
  repo_root: string;
  base_branch: string | null;
  base_commit: string;
  integration_branch: string;
  integration_path: string;
  final_outcome: string | null;
  final_detail: string | null;
  created_at: string;
}

export interface TaskWorktreeRow {
  task_id: string;
  orchestration_id: string;
  branch: string;
  path: string;
  base_commit: string;
  commit_sha: string | null;
  note: string | null;
  /** A resolver's worktree: the task whose conflicting merge it finishes. */
  resolves_task_id: string | null;
  created_at: string;
}

export type MergeStatus = "started" | "merged" | "conflict" | "aborted";

export interface MergeRow {
  id: number;
  orchestration_id: string;
  task_id: string | null;
  source_branch: string;
  source_commit: string;
  target_branch: string;
  before_commit: string;
  after_commit: string | null;
  status: MergeStatus;
  conflicts: string | null;
  started_at: string;
  ended_at: string | null;
}

export function insertWorkspace(db: Database, w: Omit<WorkspaceRow, "final_outcome" | "final_detail" | "created_at">): void {
  db.query(
    `INSERT INTO workspaces (orchestration_id, repo_root, base_branch, base_commit, integration_branch, integration_path, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(w.orchestration_id, w.repo_root, w.base_branch, w.base_commit, w.integration_branch, w.integration_path, sqlNow());
}

export function getWorkspace(db: Database, orchestrationId: string): WorkspaceRow | null {
  return db.query<WorkspaceRow, [string]>("SELECT * FROM workspaces WHERE orchestration_id = ?").get(orchestrationId);
}

export function setFinalOutcome(db: Database, orchestrationId: string, outcome: string, detail: string | null): void {
  db.query("UPDATE workspaces SET final_outcome = ?, final_detail = ? WHERE orchestration_id = ?").run(outcome, detail, orchestrationId);
}

export function insertTaskWorktree(db: Database, w: Omit<TaskWorktreeRow, "commit_sha" | "created_at" | "resolves_task_id"> & { resolves_task_id?: string | null }): void {
  db.query(
    `INSERT INTO task_worktrees (task_id, orchestration_id, branch, path, base_commit, note, resolves_task_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (task_id) DO UPDATE SET base_commit = excluded.base_commit, note = excluded.note`,
  ).run(w.task_id, w.orchestration_id, w.branch, w.path, w.base_commit, w.note, w.resolves_task_id ?? null, sqlNow());
}

export function getTaskWorktree(db: Database, taskId: string): TaskWorktreeRow | null {
  return db.query<TaskWorktreeRow, [string]>("SELECT * FROM task_worktrees WHERE task_id = ?").get(taskId);
}

export function listTaskWorktrees(db: Database, orchestrationId: string): TaskWorktreeRow[] {
  return db.query<TaskWorktreeRow, [string]>("SELECT * FROM task_worktrees WHERE orchestration_id = ? ORDER BY created_at, task_id").all(orchestrationId);
}

export function setTaskCommit(db: Database, taskId: string, commit: string): void {
  db.query("UPDATE task_worktrees SET commit_sha = ? WHERE task_id = ?").run(commit, taskId);
}

export function insertMerge(
  db: Database,
  m: Pick<MergeRow, "orchestration_id" | "task_id" | "source_branch" | "source_commit" | "target_branch" | "before_commit">,
): number {
  const row = db
    .query<{ id: number }, [string, string | null, string, string, string, string, string]>(
      `INSERT INTO merges (orchestration_id, task_id, source_branch, source_commit, target_branch, before_commit, status, started_at)
       VALUES (?, ?, ?, ?, ?, ?, 'started', ?) RETURNING id`,
    )
    .get(m.orchestration_id, m.task_id, m.source_branch, m.source_commit, m.target_branch, m.before_commit, sqlNow());
  return row!.id;
}

export function endMerge(db: Database, id: number, status: Exclude<MergeStatus, "started">, afterCommit: string | null, conflicts: string[] | null): void {
  db.query("UPDATE merges SET status = ?, after_commit = ?, conflicts = ?, ended_at = ? WHERE id = ?").run(
    status,
    afterCommit,
    conflicts === null ? null : JSON.stringify(conflicts),
    sqlNow(),
    id,
  );
}

export function listMerges(db: Database, orchestrationId: string): MergeRow[] {
  return db.query<MergeRow, [string]>("SELECT * FROM merges WHERE orchestration_id = ? ORDER BY id").all(orchestrationId);
}

/** The latest merge of a task (or of the final merge, taskId null). */
export function lastMerge(db: Database, orchestrationId: string, taskId: string | null): MergeRow | null {
  return db
    .query<MergeRow, [string, string | null]>("SELECT * FROM merges WHERE orchestration_id = ? AND task_id IS ? ORDER BY id DESC LIMIT 1")
    .get(orchestrationId, taskId);
}

/** Each task's latest merge, by task id (the final merge, task_id null, left out). */
export function lastMergeByTask(merges: readonly MergeRow[]): Map<string, MergeRow> {
  const last = new Map<string, MergeRow>();
  for (const m of merges) if (m.task_id !== null) last.set(m.task_id, m);
  return last;
}

/** Where the integration branch stands after the last task merge maos recorded (its base before any). */
export function recordedIntegrationCommit(ws: Pick<WorkspaceRow, "base_commit">, merges: readonly MergeRow[]): string {
  return merges.filter((m) => m.task_id !== null && m.status === "merged" && m.after_commit).at(-1)?.after_commit ?? ws.base_commit;
}

export function mergeConflicts(row: Pick<MergeRow, "id" | "conflicts">): string[] {
  return row.conflicts === null ? [] : readJson(v.array(v.string()), row.conflicts, `merges.conflicts of ${row.id}`);
}
