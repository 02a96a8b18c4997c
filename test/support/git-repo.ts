import { writeFileSync } from "node:fs";
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

export function makeRepo(files: Record<string, string> = { "README.md": "base\n" }): TestRepo {
  const dir = tempDir("maos-git-");
  const path = join(dir.path, "repo");
  const git = (args: string[], cwd = path) => {
    const r = Bun.spawnSync(["git", "-c", "user.name=tester", "-c", "user.email=t@example.com", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, LC_ALL: "C" } });
    if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
    return r.stdout.toString().replace(/\n+$/, "");
  };
  git(["init", "-q", "-b", "main", path], dir.path);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(path, name), content);
  git(["add", "."]);
  git(["commit", "-q", "-m", "init"]);
  return { dir, path, git, cleanup: dir.cleanup };
}
