import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { NotFoundError, UsageError } from "../errors.ts";
import { branchCommit, changedPaths, diffPatch } from "../git/repository.ts";
import { listTasks } from "../store/tasks.ts";
import { getTaskWorktree, getWorkspace } from "../store/workspaces.ts";

export interface WorkspaceDiff {
  orchestration_id: string;
  /** The task shown, or null for the whole run. */
  task: string | null;
  from: string;
  /** The commit compared with; null: the task's worktree as it is now (not committed yet). */
  to: string | null;
  files: string[];
  patch: string;
}

/**
 * What a task changed (its branch against the integration commit it started from; its
 * worktree while it has not completed) or what the whole run changed (the integration
 * branch against the user's HEAD at the start).
 */
export async function describeDiff(db: Database, orchestrationId: string, taskKey: string | null): Promise<WorkspaceDiff> {
  const ws = getWorkspace(db, orchestrationId);
  if (ws === null) throw new UsageError(`orchestration ${orchestrationId.slice(0, 8)} ran without worktrees (--isolation none)`, "its changes are in the directory it ran in");
  let cwd = ws.repo_root;
  let from = ws.base_commit;
  let to: string | null = await branchCommit(ws.repo_root, ws.integration_branch);
  if (taskKey !== null) {
    const task = listTasks(db, orchestrationId).find((t) => t.task_key === taskKey);
    if (!task) throw new NotFoundError(`orchestration ${orchestrationId.slice(0, 8)} has no task @${taskKey}`);
    const tw = getTaskWorktree(db, task.id);
    if (tw === null) throw new NotFoundError(`@${taskKey} has not started: it has no worktree yet`);
    from = tw.base_commit;
    to = tw.commit_sha ?? (await branchCommit(ws.repo_root, tw.branch));
    if (tw.commit_sha === null && existsSync(tw.path)) {
      cwd = tw.path;
      to = null;
    }
  }
  if (to === null && cwd === ws.repo_root) throw new NotFoundError(`the branch of orchestration ${orchestrationId.slice(0, 8)} no longer exists`);
  const patch = await diffPatch(cwd, from, to);
  const files = to === null ? [...patch.matchAll(/^diff --git a\/(.+?) b\//gm)].map((m) => m[1]!) : await changedPaths(cwd, from, to);
  return { orchestration_id: orchestrationId, task: taskKey, from, to, files, patch };
}
