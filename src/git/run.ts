import { EnvironmentError } from "../errors.ts";
import { runCollected } from "../system/child-process.ts";

/** git refused or failed: which command, where, and what it said (exit 5). */
export class GitError extends EnvironmentError {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    const lines = stderr.trim().split("\n").filter(Boolean);
    const said = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? `exit ${code}`;
    super(`git ${args.join(" ")} failed in ${cwd}: ${said}`, "see the git message; `--isolation none` runs without worktrees");
  }
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of every git maos runs: no prompt for credentials, messages in English
 * (some are parsed), and maos as author and committer of its commits, whatever the user's
 * config says. GIT_DIR and friends are dropped so a variable from the user's shell cannot
 * point a worktree command at another repository.
 */
function gitEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"]) delete env[key];
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    GIT_AUTHOR_NAME: "maos",
    GIT_AUTHOR_EMAIL: "maos@localhost",
    GIT_COMMITTER_NAME: "maos",
    GIT_COMMITTER_EMAIL: "maos@localhost",
  };
}

/** A git command that runs longer than this is stuck (a lock, a hook, a filesystem): stopped, and a GitError. */
const gitTimeoutMs = 10 * 60_000;

/**
 * Runs git with an argument array (never a shell string). Exit codes in `expected` are
 * answers (e.g. 1 = "not an ancestor"), any other non-zero exit is a GitError.
 */
export async function git(cwd: string, args: readonly string[], expected: readonly number[] = [0]): Promise<GitResult> {
  // Not under the agent supervisor: a git command is short and must finish once begun (a git
  // killed with maos could leave .git/index.lock and block the resume); it also saves a process per call.
  const exit = await runCollected({ argv: ["git", ...args], cwd, env: gitEnv(), stdin: "ignore", supervised: false, wallTimeoutMs: gitTimeoutMs });
  const code = exit.code ?? -1;
  if (!expected.includes(code)) throw new GitError(args, cwd, exit.code, exit.stderrTail);
  return { code, stdout: exit.stdout, stderr: exit.stderrTail };
}

/** The first line of git's output, trimmed. */
export async function gitLine(cwd: string, args: readonly string[]): Promise<string> {
  return (await git(cwd, args)).stdout.trim();
}
