import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { git, gitLine } from "./run.ts";

/** Read-only questions about a repository; each one git command. */

/** The top of the working tree holding `cwd`, or null outside a git repository. */
export async function repositoryRoot(cwd: string): Promise<string | null> {
  const r = await git(cwd, ["rev-parse", "--show-toplevel"], [0, 128]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The directory shared by all worktrees (where info/exclude lives). */
export async function commonDir(cwd: string): Promise<string> {
  return gitLine(cwd, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
}

/** The branch checked out in `cwd`, or null when HEAD is detached. */
export async function currentBranch(cwd: string): Promise<string | null> {
  const r = await git(cwd, ["symbolic-ref", "--quiet", "--short", "HEAD"], [0, 1, 128]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The commit a ref names, or null when it names none (no such branch, no commit yet). */
export async function resolveCommit(cwd: string, ref: string): Promise<string | null> {
  const r = await git(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], [0, 1, 128]);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The commit checked out in the worktree at `cwd` (one that has a commit; git failing otherwise is a GitError). */
export async function headCommit(cwd: string): Promise<string> {
  return gitLine(cwd, ["rev-parse", "HEAD"]);
}

/** The commit a local branch points at, or null when there is no such branch. */
export async function branchCommit(cwd: string, branch: string): Promise<string | null> {
  return resolveCommit(cwd, `refs/heads/${branch}`);
}

export async function branchExists(cwd: string, branch: string): Promise<boolean> {
  return (await branchCommit(cwd, branch)) !== null;
}

/** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await git(cwd, ["merge-base", "--is-ancestor", ancestor, descendant], [0, 1])).code === 0;
}

/** Paths with uncommitted changes (staged, unstaged or untracked) in the worktree at `cwd`. */
export async function uncommittedPaths(cwd: string): Promise<string[]> {
  const out = (await git(cwd, ["status", "--porcelain=v1", "-z", "--untracked-files=all"])).stdout;
  const paths: string[] = [];
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    paths.push(f.slice(3));
    // A rename or copy carries its source path in the next field.
    if (f[0] === "R" || f[0] === "C") paths.push(fields[++i]!);
  }
  return paths;
}

/** Paths that differ between two commits. */
export async function changedPaths(cwd: string, from: string, to: string): Promise<string[]> {
  const out = (await git(cwd, ["diff", "--name-only", "-z", from, to])).stdout;
  return out.split("\0").filter(Boolean);
}

/** Commits reachable from `to` and not from `from`. */
export async function countCommits(cwd: string, from: string, to: string): Promise<number> {
  return Number(await gitLine(cwd, ["rev-list", "--count", `${from}..${to}`]));
}

/** Whether merging `theirs` into `ours` would be clean, computed without touching any worktree. */
export async function mergesCleanly(cwd: string, ours: string, theirs: string): Promise<boolean> {
  return (await git(cwd, ["merge-tree", "--write-tree", "--name-only", ours, theirs], [0, 1])).code === 0;
}

/**
 * Why worktrees cannot isolate agents in this repository, or null: submodules are not
 * checked out in a new worktree, and LFS files would be pointers without git-lfs.
 */
export async function isolationRefusal(root: string): Promise<string | null> {
  if (existsSync(join(root, ".gitmodules"))) return "the repository has submodules, which a new worktree does not check out";
  const attributes = join(root, ".gitattributes");
  if (existsSync(attributes) && /filter=lfs/.test(readFileSync(attributes, "utf8"))) {
    const lfs = await git(root, ["lfs", "version"], [0, 1, 128, 127]).catch(() => null);
    if (!lfs || lfs.code !== 0) return "the repository uses Git LFS and git-lfs is not installed";
  }
  if ((await resolveCommit(root, "HEAD")) === null) return "the repository has no commit yet";
  return null;
}

/** Branches, remote branches and tags whose history holds `commit`. */
export async function refsContaining(cwd: string, commit: string): Promise<string[]> {
  const out = (await git(cwd, ["for-each-ref", "--format=%(refname)", "--contains", commit, "refs/heads", "refs/remotes", "refs/tags"])).stdout;
  return out.split("\n").filter(Boolean);
}

/** The patch from `from` to `to`, or to the files of the worktree at `cwd` when `to` is null. */
export async function diffPatch(cwd: string, from: string, to: string | null): Promise<string> {
  return (await git(cwd, ["diff", "--no-color", "--no-ext-diff", from, ...(to ? [to] : [])])).stdout;
}

/** Tracked files in the worktree at `cwd` (of `paths`) that still hold a conflict marker line. */
export async function filesWithConflictMarkers(cwd: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const r = await git(cwd, ["grep", "-l", "--no-color", "-e", "^<<<<<<< ", "-e", "^>>>>>>> ", "--", ...paths], [0, 1]);
  return r.stdout.split("\n").filter(Boolean);
}

/** Commits reachable from `to` and not from `from` that touched any of `paths`. */
export async function commitsTouching(cwd: string, from: string, to: string, paths: readonly string[]): Promise<string[]> {
  return (await git(cwd, ["log", "--format=%H", `${from}..${to}`, "--", ...paths])).stdout.split("\n").filter(Boolean);
}
