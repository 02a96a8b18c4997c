import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, type TempDir } from "./claude-env.ts";

/** A throwaway git repository with one commit on `main`, for worktree tests. */
export interface TestRepo {
  dir: TempDir;
  /** The repository's working tree. */
  path: string;
  /** Runs git in the repository (or `cwd`) and returns its trimmed stdout; throws on a non-zero exit. */
  git(args: string[], cwd?: string): string;
  cleanup(): void;
}

/** Runs git in `cwd` as a test user and returns its stdout without trailing newlines; throws on a non-zero exit. */
export function runGit(cwd: string, args: string[]): string {
  const r = Bun.spawnSync(["git", "-c", "user.name=tester", "-c", "user.email=t@example.com", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString().replace(/\n+$/, "");
}

/** Makes `path` a git repository on `main` with one commit of `files`. */
export function initRepository(path: string, files: Record<string, string>): void {
  runGit(path, ["init", "-q", "-b", "main"]);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(path, name), content);
  runGit(path, ["add", "."]);
  runGit(path, ["commit", "-q", "-m", "init"]);
}

/** Subjects of the commits maos made ("maos @task (type): …") in `ref`'s history. */
export function maosCommitSubjects(cwd: string, ref: string): string[] {
  return runGit(cwd, ["log", "--format=%s", ref])
    .split("\n")
    .filter((s) => s.startsWith("maos @"));
}

export function makeRepo(files: Record<string, string> = { "README.md": "base\n" }): TestRepo {
  const dir = tempDir("maos-git-");
  const path = join(dir.path, "repo");
  mkdirSync(path);
  initRepository(path, files);
  return { dir, path, git: (args, cwd = path) => runGit(cwd, args), cleanup: dir.cleanup };
}
