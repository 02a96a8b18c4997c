import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { EnvironmentError } from "../errors.ts";

const installHint = "install Claude Code (npm install -g @anthropic-ai/claude-code) or pass --claude-bin / MAOS_CLAUDE_BIN";

function checkExecutable(path: string, from: string): string {
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new EnvironmentError(`claude executable ${path} (from ${from}) is missing or not executable`, installHint);
  }
}

/** Finds the claude executable: --claude-bin, then MAOS_CLAUDE_BIN, then PATH. */
export function findClaude(flag?: string | null, cwd = process.cwd()): string {
  if (flag) return checkExecutable(isAbsolute(flag) ? flag : resolve(cwd, flag), "--claude-bin");
  const fromEnv = process.env.MAOS_CLAUDE_BIN;
  if (fromEnv) return checkExecutable(isAbsolute(fromEnv) ? fromEnv : resolve(cwd, fromEnv), "MAOS_CLAUDE_BIN");
  const found = Bun.which("claude");
  if (!found) throw new EnvironmentError("claude (Claude Code CLI) was not found on PATH", installHint);
  return found;
}
