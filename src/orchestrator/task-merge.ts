import type { Database } from "bun:sqlite";
import { commitAll, mergeInto, resetWorktree } from "../git/merge.ts";
import { headCommit, isAncestor } from "../git/repository.ts";
import { faultPoint } from "../system/fault-point.ts";
import type { TaskRow } from "../store/tasks.ts";
import { endMerge, insertMerge, lastMerge, setTaskCommit, type MergeRow, type TaskWorktreeRow, type WorkspaceRow } from "../store/workspaces.ts";

export type TaskMergeOutcome = { status: "merged"; commit: string } | { status: "conflict"; conflicts: string[] };

/** The commit message of a task's work: the task, and the first line of its result. */
export function taskCommitMessage(task: Pick<TaskRow, "task_key" | "agent_type" | "result">): string {
  const first = (task.result ?? "").split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 120) ?? "";
  return `maos @${task.task_key} (${task.agent_type})${first ? `: ${first}` : ""}`;
}

/**
 * Commits what a completed task left in its worktree and merges its branch into the
 * integration branch. The merge is recorded as started before git runs and as merged
 * (or conflict) after; `recoverMerge` finishes or redoes one a crash interrupted.
 * Callers run one at a time (the integration worktree holds one merge).
 */
export async function mergeTask(db: Database, ws: WorkspaceRow, tw: TaskWorktreeRow, task: TaskRow): Promise<TaskMergeOutcome> {
  const { head } = await commitAll(tw.path, taskCommitMessage(task));
  setTaskCommit(db, task.id, head);
  const before = await headCommit(ws.integration_path);
  const recorded = { orchestration_id: ws.orchestration_id, task_id: task.id, source_branch: tw.branch, source_commit: head, target_branch: ws.integration_branch, before_commit: before };
  if (await isAncestor(ws.integration_path, head, before)) {
    // Nothing new on the task's branch (no changes, or merged before): recorded as a merge that changed nothing.
    endMerge(db, insertMerge(db, recorded), "merged", before, null);
    return { status: "merged", commit: before };
  }
  const id = insertMerge(db, recorded);
  faultPoint("merge-before");
  const result = await mergeInto(ws.integration_path, tw.branch, `maos: merge @${task.task_key} into ${ws.integration_branch}`);
  faultPoint("merge-after");
  if (result.clean) {
    endMerge(db, id, "merged", result.head, null);
    return { status: "merged", commit: result.head };
  }
  // The integration worktree goes back to where it was; the task's commit stays on its branch.
  await resetWorktree(ws.integration_path, before);
  endMerge(db, id, "conflict", null, result.conflicts);
  return { status: "conflict", conflicts: result.conflicts };
}

/**
 * Settles a merge a crash left as started: when the task's commit is in the integration
 * branch's history the merge happened and is recorded as done; otherwise a half-done
 * merge is dropped from the integration worktree and the row marked aborted, to be redone.
 */
export async function recoverMerge(db: Database, ws: WorkspaceRow, m: MergeRow): Promise<"merged" | "aborted"> {
  const head = await headCommit(ws.integration_path);
  if (await isAncestor(ws.integration_path, m.source_commit, head)) {
    endMerge(db, m.id, "merged", head, null);
    return "merged";
  }
  // Only a head maos left is reset: one the user moved keeps its commits, only the merge state goes.
  await resetWorktree(ws.integration_path, head === m.before_commit ? m.before_commit : head);
  endMerge(db, m.id, "aborted", null, null);
  return "aborted";
}

/** A task whose work is not (yet) in the integration branch: its last merge started, conflicted, or never ran. */
export function mergePending(db: Database, ws: WorkspaceRow, taskId: string): MergeRow["status"] | "none" | null {
  const m = lastMerge(db, ws.orchestration_id, taskId);
  if (m === null) return "none";
  return m.status === "merged" ? null : m.status;
}
