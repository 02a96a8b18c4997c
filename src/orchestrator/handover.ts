import type { Database } from "bun:sqlite";
import { transcriptExists } from "../agents/transcript.ts";
import { NotFoundError, UsageError } from "../errors.ts";
import { listAgentOverviews } from "../store/agents.ts";
import { getOrchestration } from "../store/orchestrations.ts";
import { isInterrupted } from "./liveness.ts";

/** Everything needed to continue one agent's conversation interactively in Claude Code. */
export interface Handover {
  orchestration_id: string;
  task: string;
  session_id: string;
  /** claude --resume is cwd-scoped: it must run here. */
  cwd: string;
  /** The config dir the run used (null = claude's default, ~/.claude). */
  claude_config_dir: string | null;
  /** The transcript is where claude will look for it. */
  transcript_found: boolean;
  /** The agent is running right now under a live maos: a second claude on its session would fork it. */
  running: boolean;
}

/** The hand-over of one task's agent (its current session), or a one-line error. */
export function handoverFor(db: Database, orchestrationId: string, taskKey: string): Handover {
  const o = getOrchestration(db, orchestrationId)!;
  const agents = listAgentOverviews(db, orchestrationId);
  const agent = agents.find((a) => a.task_key === taskKey);
  if (!agent) {
    throw new NotFoundError(`no task @${taskKey} in orchestration ${orchestrationId.slice(0, 8)}`, `its tasks: ${agents.map((a) => `@${a.task_key}`).join(", ") || "none yet"}`);
  }
  if (agent.session_id === null) throw new UsageError(`@${taskKey} has not started yet: it has no Claude conversation to open`);
  const cwd = agent.session_cwd ?? o.cwd;
  return {
    orchestration_id: o.id,
    task: taskKey,
    session_id: agent.session_id,
    cwd,
    claude_config_dir: o.claude_config_dir,
    transcript_found: transcriptExists(o.claude_config_dir, cwd, agent.session_id),
    running: agent.status === "active" && o.status === "running" && !isInterrupted(o),
  };
}

/** A word as the shell reads it: unchanged when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The exact command to type: into the session's directory, with the run's config dir
 * (or without any, when the run used claude's default), then `claude --resume <session>`.
 */
export function handoverCommand(h: Handover, claude: string, currentConfigDir: string | undefined): string {
  const env =
    h.claude_config_dir !== null
      ? `CLAUDE_CONFIG_DIR=${shellQuote(h.claude_config_dir)} `
      : currentConfigDir !== undefined
        ? "env -u CLAUDE_CONFIG_DIR "
        : "";
  return `cd ${shellQuote(h.cwd)} && ${env}${shellQuote(claude)} --resume ${h.session_id}`;
}
