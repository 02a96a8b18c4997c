import { UsageError } from "../errors.ts";
import { isolationRefusal, repositoryRoot } from "../git/repository.ts";
import type { RunOptions } from "../store/orchestrations.ts";

/**
 * The isolation a new orchestration runs with: worktrees inside a git repository that can
 * have them, `none` elsewhere (said once through `note`). Asked for explicitly, worktrees
 * that cannot work are refused (exit 2) rather than silently dropped.
 */
export async function chooseIsolation(cwd: string, given: RunOptions["isolation"] | undefined, note: (text: string) => void): Promise<RunOptions["isolation"]> {
  if (given === "none") return "none";
  const root = await repositoryRoot(cwd);
  if (root === null) {
    if (given === "worktree") throw new UsageError(`--isolation worktree needs a git repository, and ${cwd} is not in one`, "use --isolation none");
    note("not a git repository: the agents share this directory (--isolation none)");
    return "none";
  }
  const refusal = await isolationRefusal(root);
  if (refusal === null) return "worktree";
  if (given === "worktree") throw new UsageError(`cannot isolate agents in worktrees: ${refusal}`, "use --isolation none");
  note(`${refusal}: the agents share this directory (--isolation none)`);
  return "none";
}
