import { existsSync } from "node:fs";
import { GitError } from "../git/run.ts";
import { branchCommit, refsContaining, uncommittedPaths } from "../git/repository.ts";
import { deleteBranch, listWorktrees, removeWorktree } from "../git/worktree.ts";
import type { TaskWorktreeRow, WorkspaceRow } from "../store/workspaces.ts";

export interface WorkspaceRemoval {
  orchestration_id: string;
  removed_worktrees: string[];
  deleted_branches: string[];
  /** Branches and worktrees left in place, and why. */
  kept: { what: string; reason: string }[];
}

/**
 * Removes an orchestration's worktrees and branches. Never removed without `force`: a
 * worktree with uncommitted changes, and a branch whose commit no other branch, remote
 * branch or tag holds. Never removed at all: a branch checked out outside maos's worktrees.
 */
export async function removeWorkspace(ws: WorkspaceRow, tasks: TaskWorktreeRow[], force: boolean): Promise<WorkspaceRemoval> {
  const result: WorkspaceRemoval = { orchestration_id: ws.orchestration_id, removed_worktrees: [], deleted_branches: [], kept: [] };
  const root = ws.repo_root;
  if (!existsSync(root)) {
    result.kept.push({ what: root, reason: "the repository is gone" });
    return result;
  }
  const worktrees = [...tasks.map((t) => ({ path: t.path, branch: t.branch })), { path: ws.integration_path, branch: ws.integration_branch }];
  const ours = new Set(worktrees.map((w) => w.path));
  for (const w of worktrees) {
    if (!existsSync(w.path)) continue;
    const dirty = await uncommittedPaths(w.path).catch(() => []);
    if (dirty.length > 0 && !force) {
      result.kept.push({ what: w.path, reason: `uncommitted changes (${dirty.slice(0, 3).join(", ")}); --force removes it` });
      continue;
    }
    await removeWorktree(root, w.path);
    result.removed_worktrees.push(w.path);
  }
  const checkedOut = new Map((await listWorktrees(root)).filter((w) => w.branch).map((w) => [w.branch!, w.path]));
  // The integration branch first: once it is kept, it holds the tasks' commits and they may go.
  const deleting = new Set(worktrees.map((w) => `refs/heads/${w.branch}`));
  const keep = (branch: string, reason: string) => {
    result.kept.push({ what: branch, reason });
    deleting.delete(`refs/heads/${branch}`);
  };
  for (const { branch } of [worktrees.at(-1)!, ...worktrees.slice(0, -1)]) {
    const head = await branchCommit(root, branch);
    if (head === null) continue;
    const where = checkedOut.get(branch);
    if (where !== undefined && !ours.has(where)) {
      keep(branch, `checked out in ${where}`);
      continue;
    }
    const elsewhere = (await refsContaining(root, head)).filter((ref) => !deleting.has(ref));
    if (elsewhere.length === 0 && !force) {
      keep(branch, "its commits are merged nowhere else; --force deletes it");
      continue;
    }
    try {
      await deleteBranch(root, branch, true);
      result.deleted_branches.push(branch);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      keep(branch, error.message);
    }
  }
  return result;
}
