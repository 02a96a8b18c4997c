import type { Database } from "bun:sqlite";
import { listTasks } from "../store/tasks.ts";
import { getWorkspace, lastMergeByTask, listMerges, listTaskWorktrees, mergeConflicts, recordedIntegrationCommit, type MergeRow } from "../store/workspaces.ts";

export interface TaskBranch {
  task: string;
  branch: string;
  worktree: string;
  /** The task's commit once it completed (null before). */
  commit: string | null;
  /** Its last merge into the integration branch: merged, conflict, started, aborted; null before any. */
  merge: MergeRow["status"] | null;
  conflicts: string[];
  /** What resume found wrong with its worktree or branch, and what it did. */
  note: string | null;
}

/** The git side of an orchestration with worktree isolation, as `--json` and `status` report it. */
export interface WorkspaceReport {
  repo_root: string;
  base_branch: string | null;
  base_commit: string;
  integration_branch: string;
  integration_worktree: string;
  /** The integration branch's head after the last recorded merge. */
  integration_commit: string;
  final_merge: { outcome: string; detail: string | null } | null;
  tasks: TaskBranch[];
  /** The unresolved merge conflicts and what to do about them. */
  hint: string | null;
}

export function workspaceReport(db: Database, orchestrationId: string): WorkspaceReport | null {
  const ws = getWorkspace(db, orchestrationId);
  if (ws === null) return null;
  const keyOf = new Map(listTasks(db, orchestrationId).map((t) => [t.id, t.task_key]));
  const merges = listMerges(db, orchestrationId);
  const last = lastMergeByTask(merges);
  const tasks = listTaskWorktrees(db, orchestrationId).map((w) => {
    const m = last.get(w.task_id) ?? null;
    return {
      task: keyOf.get(w.task_id) ?? w.task_id,
      branch: w.branch,
      worktree: w.path,
      commit: w.commit_sha,
      merge: m?.status ?? null,
      conflicts: m?.status === "conflict" ? mergeConflicts(m) : [],
      note: w.note,
    };
  });
  const conflicted = tasks.filter((t) => t.merge === "conflict");
  return {
    repo_root: ws.repo_root,
    base_branch: ws.base_branch,
    base_commit: ws.base_commit,
    integration_branch: ws.integration_branch,
    integration_worktree: ws.integration_path,
    integration_commit: recordedIntegrationCommit(ws, merges),
    final_merge: ws.final_outcome === null ? null : { outcome: ws.final_outcome, detail: ws.final_detail },
    tasks,
    hint:
      conflicted.length === 0
        ? null
        : `${conflicted.map((t) => `@${t.task} conflicts in ${t.conflicts.join(", ")}`).join("; ")}: in ${ws.integration_path} run \`git merge ${conflicted[0]!.branch}\`, resolve, commit, then \`maos orchestration resume ${orchestrationId.slice(0, 8)}\``,
  };
}
