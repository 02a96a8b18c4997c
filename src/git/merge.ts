import { headCommit } from "./repository.ts";
import { git } from "./run.ts";

/** Commits and merges made in maos's own worktrees (never in the user's, except the final merge). */

/** Commits everything in the worktree (new files included); returns HEAD, new commit or not. */
export async function commitAll(worktree: string, message: string): Promise<{ head: string; committed: boolean }> {
  await git(worktree, ["add", "--all"]);
  // --no-verify: the user's hooks are for the user's commits; an agent's work is reviewed at the merge.
  // Exit 1 is git's "nothing to commit".
  const committed = (await git(worktree, ["commit", "--no-verify", "--quiet", "-m", message], [0, 1])).code === 0;
  return { head: await headCommit(worktree), committed };
}

export type MergeResult = { clean: true; head: string } | { clean: false; conflicts: string[] };

/** Merges `source` into the branch checked out in `worktree` with a merge commit; a conflict is left in place for the caller. */
export async function mergeInto(worktree: string, source: string, message: string): Promise<MergeResult> {
  const r = await git(worktree, ["merge", "--no-ff", "--no-verify", "--no-edit", "-m", message, source], [0, 1]);
  if (r.code === 0) return { clean: true, head: await headCommit(worktree) };
  const conflicts = (await git(worktree, ["diff", "--name-only", "-z", "--diff-filter=U"])).stdout.split("\0").filter(Boolean);
  return { clean: false, conflicts };
}

/** Fast-forwards the branch checked out in `worktree` to `source`. */
export async function fastForward(worktree: string, source: string): Promise<string> {
  await git(worktree, ["merge", "--ff-only", "--quiet", source]);
  return headCommit(worktree);
}

/** Puts a worktree maos owns back at `commit`, dropping a half-done merge. */
export async function resetWorktree(worktree: string, commit: string): Promise<void> {
  await git(worktree, ["merge", "--abort"], [0, 128]);
  await git(worktree, ["reset", "--hard", "--quiet", commit]);
}
