import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitAll, fastForward, mergeInto, resetWorktree } from "../../src/git/merge.ts";
import {
  changedPaths,
  currentBranch,
  isAncestor,
  isolationRefusal,
  mergesCleanly,
  repositoryRoot,
  resolveCommit,
  uncommittedPaths,
} from "../../src/git/repository.ts";
import { git, GitError } from "../../src/git/run.ts";
import { addWorktree, excludeFromStatus, listWorktrees, removeWorktree } from "../../src/git/worktree.ts";
import { ExitCode } from "../../src/errors.ts";
import { tempDir } from "../support/claude-env.ts";
import { makeRepo, type TestRepo } from "../support/git-repo.ts";

let repo: TestRepo;
beforeEach(() => {
  repo = makeRepo({ "a.txt": "one\n" });
});
afterEach(() => repo.cleanup());

describe("git failures", () => {
  test("a failing git command is a GitError (exit 5) naming the command, the directory and git's message", async () => {
    const error = await git(repo.path, ["checkout", "no-such-branch"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    const e = error as GitError;
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toContain("git checkout no-such-branch failed in");
    expect(e.message).toContain("no-such-branch");
    expect(e.args).toEqual(["checkout", "no-such-branch"]);
  });

  test("arguments are never parsed by a shell", async () => {
    const marker = join(repo.dir.path, "pwned");
    const r = await git(repo.path, ["log", "--format=%s", `--grep=$(touch ${marker})`], [0]);
    expect(r.stdout).toBe("");
    expect(existsSync(marker)).toBe(false);
  });

  test("outside a repository: no root; a query there is a GitError", async () => {
    const dir = tempDir("maos-nogit-");
    try {
      expect(await repositoryRoot(dir.path)).toBeNull();
      expect(git(dir.path, ["log"])).rejects.toBeInstanceOf(GitError);
    } finally {
      dir.cleanup();
    }
  });

  test("a worktree on a path that is already taken by another worktree is refused", async () => {
    const base = (await resolveCommit(repo.path, "HEAD"))!;
    const path = join(repo.dir.path, "wt");
    await addWorktree(repo.path, path, "one", base);
    expect(addWorktree(repo.path, path, "two", base)).rejects.toBeInstanceOf(GitError);
  });

  test("a worktree whose directory was deleted by hand can be made again on its branch, commits kept", async () => {
    const base = (await resolveCommit(repo.path, "HEAD"))!;
    const path = join(repo.dir.path, "wt");
    await addWorktree(repo.path, path, "kept", base);
    writeFileSync(join(path, "b.txt"), "b\n");
    const { head } = await commitAll(path, "b");
    rmSync(path, { recursive: true, force: true });
    expect(await addWorktree(repo.path, path, "kept", base)).toBe(head);
    expect(readFileSync(join(path, "b.txt"), "utf8")).toBe("b\n");
  });

  test("a branch that does not exist resolves to null, not an error", async () => {
    expect(await resolveCommit(repo.path, "refs/heads/nope")).toBeNull();
  });

  test("a merge conflict is reported with its files and reset leaves the worktree as before", async () => {
    const base = (await resolveCommit(repo.path, "HEAD"))!;
    const left = join(repo.dir.path, "left");
    const right = join(repo.dir.path, "right");
    await addWorktree(repo.path, left, "left", base);
    await addWorktree(repo.path, right, "right", base);
    writeFileSync(join(left, "a.txt"), "left\n");
    writeFileSync(join(right, "a.txt"), "right\n");
    const l = await commitAll(left, "left");
    await commitAll(right, "right");
    expect(await mergesCleanly(left, "left", "right")).toBe(false);
    const result = await mergeInto(left, "right", "merge right");
    expect(result).toEqual({ clean: false, conflicts: ["a.txt"] });
    await resetWorktree(left, l.head);
    expect(await uncommittedPaths(left)).toEqual([]);
    expect(readFileSync(join(left, "a.txt"), "utf8")).toBe("left\n");
  });

  test("a fast-forward that is not possible is a GitError", async () => {
    const base = (await resolveCommit(repo.path, "HEAD"))!;
    const side = join(repo.dir.path, "side");
    await addWorktree(repo.path, side, "side", base);
    writeFileSync(join(side, "s.txt"), "s\n");
    await commitAll(side, "side");
    writeFileSync(join(repo.path, "m.txt"), "m\n");
    await commitAll(repo.path, "main moves");
    expect(fastForward(repo.path, "side")).rejects.toBeInstanceOf(GitError);
  });

  test("submodules, and a repository without a commit, are refused with the reason", async () => {
    writeFileSync(join(repo.path, ".gitmodules"), '[submodule "x"]\n\tpath = x\n\turl = ../x\n');
    expect(await isolationRefusal(repo.path)).toContain("submodules");
    const empty = tempDir("maos-empty-");
    try {
      repo.git(["init", "-q", empty.path], empty.path);
      expect(await isolationRefusal(empty.path)).toContain("no commit yet");
    } finally {
      empty.cleanup();
    }
  });

  test("removing a worktree that is already gone is not an error", async () => {
    const path = join(repo.dir.path, "gone");
    await addWorktree(repo.path, path, "gone", "HEAD");
    rmSync(path, { recursive: true, force: true });
    await removeWorktree(repo.path, path);
    expect((await listWorktrees(repo.path)).map((w) => w.path)).not.toContain(path);
  });
});

describe("git queries", () => {
  test("commitAll commits new and changed files as maos, and commits nothing when nothing changed", async () => {
    mkdirSync(join(repo.path, "d"));
    writeFileSync(join(repo.path, "d", "new.txt"), "n\n");
    writeFileSync(join(repo.path, "a.txt"), "two\n");
    const first = await commitAll(repo.path, "work");
    expect(first.committed).toBe(true);
    expect(repo.git(["log", "-1", "--format=%an <%ae>|%s"])).toBe("maos <maos@localhost>|work");
    expect(await commitAll(repo.path, "again")).toEqual({ head: first.head, committed: false });
  });

  test("branch, ancestry, changed and uncommitted paths", async () => {
    const base = (await resolveCommit(repo.path, "HEAD"))!;
    expect(await currentBranch(repo.path)).toBe("main");
    writeFileSync(join(repo.path, "b.txt"), "b\n");
    expect(await uncommittedPaths(repo.path)).toEqual(["b.txt"]);
    const { head } = await commitAll(repo.path, "b");
    expect(await isAncestor(repo.path, base, head)).toBe(true);
    expect(await isAncestor(repo.path, head, base)).toBe(false);
    expect(await changedPaths(repo.path, base, head)).toEqual(["b.txt"]);
    repo.git(["checkout", "-q", "--detach"]);
    expect(await currentBranch(repo.path)).toBeNull();
  });

  test("the exclude pattern is added to .git/info/exclude once", async () => {
    await excludeFromStatus(repo.path, "/.maos/");
    await excludeFromStatus(repo.path, "/.maos/");
    const text = readFileSync(join(repo.path, ".git", "info", "exclude"), "utf8");
    expect(text.split("\n").filter((l) => l === "/.maos/")).toHaveLength(1);
  });
});
