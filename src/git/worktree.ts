import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { branchExists, commonDir, headCommit } from "./repository.ts";
import { git } from "./run.ts";

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
 * git's worktree commands are not safe to run side by side in one repository: a `worktree
 * prune` or `add` reads .git/worktrees/* while another `add` is still writing its entry
 * ("failed to read .git/worktrees/a/commondir"). Parallel tasks start at once, so every
 * command that creates or removes a worktree runs one at a time per repository.
 */
const worktreeQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(root: string, work: () => Promise<T>): Promise<T> {
  const previous = worktreeQueues.get(root) ?? Promise.resolve();
  const next = previous.then(work, work);
  worktreeQueues.set(root, next.catch(() => undefined));
  return next;
}

/**
 * A worktree at `path` on `branch`: the branch is created at `start` when it does not
 * exist, and kept (with its commits) when it does. Returns the commit checked out.
 */
export function addWorktree(root: string, path: string, branch: string, start: string): Promise<string> {
  return oneAtATime(root, () => createWorktree(root, path, branch, start));
}

async function createWorktree(root: string, path: string, branch: string, start: string): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  // A directory that was deleted by hand leaves a stale registration that blocks `worktree add`.
  await git(root, ["worktree", "prune"]);
  await git(root, (await branchExists(root, branch)) ? ["worktree", "add", path, branch] : ["worktree", "add", "-b", branch, path, start]);
  return headCommit(path);
}

/** Removes a worktree (its uncommitted files included: maos committed what mattered). */
export function removeWorktree(root: string, path: string): Promise<void> {
  return oneAtATime(root, async () => {
    if (existsSync(path)) await git(root, ["worktree", "remove", "--force", path]);
    await git(root, ["worktree", "prune"]);
  });
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
