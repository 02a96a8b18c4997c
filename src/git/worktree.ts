import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { commonDir } from "./repository.ts";
import { git, gitLine } from "./run.ts";

/** Worktrees and branches: the only git commands that create or remove them. */

export interface WorktreeEntry {
  path: string;
  branch: string | null;
  head: string | null;
}

export async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const out = (await git(cwd, ["worktree", "list", "--porcelain"])).stdout;
  return out
    .split("\n\n")
    .filter((block) => block.startsWith("worktree "))
    .map((block) => {
      const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name} `))?.slice(name.length + 1) ?? null;
      const branch = field("branch");
      return { path: resolve(field("worktree")!), branch: branch?.replace(/^refs\/heads\//, "") ?? null, head: field("HEAD") };
    });
}

/**
 * A worktree at `path` on `branch`: the branch is created at `start` when it does not
 * exist, and kept (with its commits) when it does. Returns the commit checked out.
 */
export async function addWorktree(root: string, path: string, branch: string, start: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  // A directory that was deleted by hand leaves a stale registration that blocks `worktree add`.
  await git(root, ["worktree", "prune"]);
  const exists = (await git(root, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], [0, 1])).code === 0;
  await git(root, exists ? ["worktree", "add", path, branch] : ["worktree", "add", "-b", branch, path, start]);
  return gitLine(path, ["rev-parse", "HEAD"]);
}

/** Removes a worktree (its uncommitted files included: maos committed what mattered). */
export async function removeWorktree(root: string, path: string): Promise<void> {
  if (existsSync(path)) await git(root, ["worktree", "remove", "--force", path]);
  await git(root, ["worktree", "prune"]);
}

/** Deletes a branch; `force` also deletes one whose commits are merged nowhere. */
export async function deleteBranch(root: string, branch: string, force: boolean): Promise<void> {
  await git(root, ["branch", force ? "-D" : "-d", branch]);
}

/** Keeps the directory maos owns out of the user's `git status`, through .git/info/exclude (never .gitignore). */
export async function excludeFromStatus(root: string, pattern: string): Promise<void> {
  const file = join(await commonDir(root), "info", "exclude");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (current.split("\n").includes(pattern)) return;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${current === "" || current.endsWith("\n") ? "" : "\n"}${pattern}\n`);
}
